import { CompactEncrypt, CompactSign } from 'jose';
import { ENVELOPE_MEDIA_TYPE, JWE_CONTENT_ENCRYPTION, jweAlgorithmForKey, jwsAlgorithmForKey } from './algorithms.js';
import { assertSealableClaims } from './claims.js';
import { cryptoKeyFor, signerThumbprint } from './keys.js';
import type { SealInput } from './types.js';

const encoder = new TextEncoder();

/**
 * Signs the claims as a compact JWS and encrypts that to the recipient as a
 * compact JWE (docs/envelope.md). Algorithms follow from the key types;
 * an explicit `alg` must agree with them. Never compresses (RFC 8725 s.3.6).
 */
export async function seal({ claims, signer, recipient }: SealInput): Promise<string> {
  assertSealableClaims(claims);
  const jwsAlg = jwsAlgorithmForKey(signer.privateKey);
  if (signer.privateKey.type !== 'private' || !jwsAlg) throw new TypeError('the signing key is not an allowed private key');
  if (signer.alg !== undefined && signer.alg !== jwsAlg) throw new TypeError('the signing algorithm does not fit the signing key');
  const jweAlg = jweAlgorithmForKey(recipient.publicKey);
  if (recipient.publicKey.type !== 'public' || !jweAlg) throw new TypeError('the recipient key is not an allowed public key');
  if (recipient.alg !== undefined && recipient.alg !== jweAlg) throw new TypeError('the encryption algorithm does not fit the recipient key');
  if (typeof recipient.kid !== 'string' || recipient.kid.length === 0) throw new TypeError('the recipient key needs a kid');

  const jws = await new CompactSign(encoder.encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: jwsAlg, typ: ENVELOPE_MEDIA_TYPE, 'x5t#S256': signerThumbprint(signer.privateKey, signer.certificate) })
    .sign(await cryptoKeyFor(signer.privateKey, jwsAlg));

  return new CompactEncrypt(encoder.encode(jws))
    .setProtectedHeader({ alg: jweAlg, enc: JWE_CONTENT_ENCRYPTION, cty: ENVELOPE_MEDIA_TYPE, kid: recipient.kid })
    .encrypt(await cryptoKeyFor(recipient.publicKey, jweAlg));
}
