import type { KeyObject, X509Certificate } from 'node:crypto';
import { CompactSign } from 'jose';
import { thumbprintS256 } from '../pki/thumbprint.js';
import { CHECKPOINT_ALG, CHECKPOINT_TYP, checkpointSchema, type Checkpoint } from './verify/checkpoint.js';
import { canonicalBytes } from './verify/hashing.js';

/** The hub's signing key and the certificate that a verifier will hold. */
export interface CheckpointSigner {
  privateKey: KeyObject;
  certificate: X509Certificate;
}

/**
 * Signs a checkpoint as a compact JWS, ES256 only (RFC 7518 s.3.4), naming
 * the certificate by x5t#S256 (RFC 7515 s.4.1.8). The payload is RFC 8785
 * canonical JSON so that the same checkpoint always has the same bytes.
 */
export async function signCheckpoint(signer: CheckpointSigner, checkpoint: Checkpoint): Promise<string> {
  assertP256(signer);
  const payload = canonicalBytes(checkpointSchema.parse(checkpoint));
  return new CompactSign(payload)
    .setProtectedHeader({ alg: CHECKPOINT_ALG, typ: CHECKPOINT_TYP, 'x5t#S256': thumbprintS256(signer.certificate) })
    .sign(signer.privateKey);
}

export function assertP256(signer: CheckpointSigner): void {
  const { privateKey, certificate } = signer;
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('the checkpoint signing key must be a P-256 private key (ES256)');
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new TypeError('the checkpoint signing key does not match its certificate');
}
