import type { KeyObject, X509Certificate } from 'node:crypto';
import type { EnvelopeClaims } from './claims.js';
import type { JweKeyAlgorithm, JwsAlgorithm } from './algorithms.js';
import type { DecryptionKey } from './headers.js';

export interface SealSigner {
  privateKey: KeyObject;
  /** The certificate named by `x5t#S256`; its public key must belong to privateKey. */
  certificate: X509Certificate;
  /** Defaults to the one algorithm the key type allows. */
  alg?: JwsAlgorithm;
}

export interface SealRecipient {
  publicKey: KeyObject;
  kid: string;
  alg?: JweKeyAlgorithm;
}

export interface SealInput {
  claims: EnvelopeClaims;
  signer: SealSigner;
  recipient: SealRecipient;
}

/** What the caller's registry and pki trust store say about a signer. */
export interface ResolvedSigner {
  publicKey: KeyObject;
  certificate: X509Certificate;
  [more: string]: unknown;
}

export interface OpenOptions<S extends ResolvedSigner = ResolvedSigner> {
  /** The keys this party can decrypt with; more than one during a rotation. */
  decryptionKeys: readonly DecryptionKey[];
  /**
   * Finds the certificate named by `x5t#S256` and checks it (chain, dates,
   * revocation, key usage). Throws HubError CERT_* or JWS_SIGNER_UNKNOWN;
   * open() lets those through unchanged.
   */
  resolveSigner(thumbprintS256: string): Promise<S>;
  audience: string;
  clockSkewSeconds: number;
  maxLifetimeSeconds: number;
  /** Upper bound on the compact JWE in bytes, checked before anything else. */
  maxBytes: number;
  now?: Date;
}

export interface OpenedEnvelope<S extends ResolvedSigner = ResolvedSigner> {
  claims: EnvelopeClaims;
  protectedHeaders: { jwe: Record<string, unknown>; jws: Record<string, unknown> };
  signerThumbprint: string;
  signer: S;
  /** The inner compact JWS, as signed, for the audit log's hash of the original. */
  innerJws: string;
}
