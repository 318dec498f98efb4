import { createPublicKey, type JsonWebKey, type KeyObject, type X509Certificate } from 'node:crypto';
import type { RequestHandler } from 'express';
import { thumbprintS256 } from '../pki/thumbprint.js';

/** One of the hub's live keys, as the keys module holds it. */
export interface HubPublicKey {
  kid: string;
  use: 'sig' | 'enc';
  /** The JWA algorithm the key is used with, e.g. ES256 or ECDH-ES+A256KW (RFC 7518). */
  alg: string;
  /** The key; if a private KeyObject is passed, only its public half is published. */
  key: KeyObject;
  /** Leaf first, then intermediates (RFC 7517 s.4.7 `x5c` order). */
  certificateChain: readonly X509Certificate[];
}

/** Every key a partner may meet: the current one, and the previous and next during a rotation. */
export type HubKeySource = () => readonly HubPublicKey[] | Promise<readonly HubPublicKey[]>;

export interface PublicJwk extends JsonWebKey {
  kid: string;
  use: 'sig' | 'enc';
  alg: string;
  x5c: string[];
  'x5t#S256': string;
}

/**
 * RFC 7517 JWK of the public half only: `x5c` holds standard base64 DER
 * (s.4.7, not base64url) and `x5t#S256` the leaf's SHA-256 thumbprint (s.4.9).
 */
export function toPublicJwk(hubKey: HubPublicKey): PublicJwk {
  const leaf = hubKey.certificateChain[0];
  if (!leaf) throw new TypeError(`hub key ${hubKey.kid} has no certificate`);
  const publicKey = hubKey.key.type === 'public' ? hubKey.key : createPublicKey(hubKey.key);
  const { kty, crv, x, y, n, e } = publicKey.export({ format: 'jwk' });
  const jwk: Record<string, unknown> = { kty, crv, x, y, n, e };
  for (const name of Object.keys(jwk)) if (jwk[name] === undefined) delete jwk[name];
  return {
    ...(jwk as JsonWebKey),
    kid: hubKey.kid,
    use: hubKey.use,
    alg: hubKey.alg,
    x5c: hubKey.certificateChain.map((certificate) => certificate.raw.toString('base64')),
    'x5t#S256': thumbprintS256(leaf),
  };
}

export function jwksHandler(source: HubKeySource): RequestHandler {
  return async (_req, res) => {
    const keys = (await source()).map(toPublicJwk);
    // Short cache: partners pick up a rotation within minutes (RFC 9111 s.5.2.2.1).
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/jwk-set+json').send(JSON.stringify({ keys }));
  };
}
