import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ENCRYPTION_KEY_TYPES_BY_SPEED, encryptionKeyTypeOf } from '../envelope/algorithms.js';
import { HubError } from '../errors.js';
import { thumbprintS256 } from '../pki/thumbprint.js';

/** Throws a HubError CERT_* if the certificate is not a valid hub certificate for this use. */
export type CertificateCheck = (certificate: X509Certificate, usage: 'signing' | 'encryption', chain: X509Certificate[]) => void;

interface PublishedKey {
  kid: string;
  use: 'sig' | 'enc';
  alg: string;
  x5c: string[];
}

export interface HubKeyCache {
  encryptionKey(): Promise<{ publicKey: KeyObject; kid: string }>;
  signingCertificate(thumbprint: string): Promise<{ publicKey: KeyObject; certificate: X509Certificate }>;
}

/**
 * The hub's keys as published at /.well-known/jwks.json. Every key is
 * trusted only through its certificate chain to the scheme CA, never because
 * the JWKS said so (the JWKS travels over TLS, but a key must be one the CA
 * issued to the hub). Refreshed when a signer is not found (key rotation).
 */
export function createHubKeyCache(fetchJwks: () => Promise<unknown>, check: CertificateCheck): HubKeyCache {
  let keys: PublishedKey[] | undefined;
  async function load(force: boolean): Promise<PublishedKey[]> {
    if (!keys || force) {
      const document = (await fetchJwks()) as { keys?: PublishedKey[] };
      keys = Array.isArray(document.keys) ? document.keys : [];
    }
    return keys;
  }
  function certificateChain(key: PublishedKey): X509Certificate[] {
    return key.x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  }
  return {
    async encryptionKey() {
      // The hub publishes one current encryption key per type; the SDK does
      // every type, so it takes the one cheapest for the hub to open
      // (ENCRYPTION_KEY_TYPES_BY_SPEED), not merely the first, and the first
      // of that type if there are more.
      const offered = (await load(false)).filter((candidate) => candidate.use === 'enc').map((key) => ({ key, chain: certificateChain(key) }));
      const rank = (chain: X509Certificate[]) => {
        const type = encryptionKeyTypeOf(chain[0]!.publicKey);
        return type === undefined ? Number.POSITIVE_INFINITY : ENCRYPTION_KEY_TYPES_BY_SPEED.indexOf(type);
      };
      const fastest = offered.reduce<(typeof offered)[number] | undefined>((best, candidate) => (best === undefined || rank(candidate.chain) < rank(best.chain) ? candidate : best), undefined);
      if (!fastest || rank(fastest.chain) === Number.POSITIVE_INFINITY) throw new HubError('UNAVAILABLE', 'the hub publishes no encryption key');
      check(fastest.chain[0]!, 'encryption', fastest.chain.slice(1));
      return { publicKey: createPublicKey(fastest.chain[0]!.publicKey.export({ format: 'pem', type: 'spki' })), kid: fastest.key.kid };
    },
    async signingCertificate(thumbprint) {
      for (const force of [false, true]) {
        for (const key of await load(force)) {
          if (key.use !== 'sig') continue;
          const chain = certificateChain(key);
          if (thumbprintS256(chain[0]!) !== thumbprint) continue;
          check(chain[0]!, 'signing', chain.slice(1));
          return { publicKey: chain[0]!.publicKey, certificate: chain[0]! };
        }
      }
      throw new HubError('JWS_SIGNER_UNKNOWN', 'the delivery is signed by a key the hub does not publish');
    },
  };
}
