import type { KeyObject } from 'node:crypto';
import { HubError } from '../errors.js';
import {
  JWE_CONTENT_ENCRYPTION,
  JWE_KEY_ALGORITHMS,
  JWS_ALGORITHMS,
  isEnvelopeMediaType,
  isJweKeyAlgorithm,
  isJwsAlgorithm,
  jweAlgorithmForKey,
  type JweKeyAlgorithm,
  type JwsAlgorithm,
} from './algorithms.js';

/**
 * Header rules, checked on the protected headers as we decoded them ourselves
 * before any key is touched. jose is then called with the same allow-lists
 * pinned, as a second line (RFC 8725 s.3.1: "libraries MUST enable the caller
 * to specify a supported set of algorithms").
 */

/**
 * Members that would make a verifier fetch or trust a key named by the
 * message itself (RFC 7515 s.4.1.2-6, RFC 8725 s.3.10), or change how the
 * payload is read (`b64`, RFC 7797). The signer is found only by `x5t#S256`
 * in the caller's own registry; `crit` is refused because we implement no
 * extension (RFC 7515 s.4.1.11).
 */
const REFUSED_JWS_MEMBERS = ['jku', 'jwk', 'x5u', 'x5c', 'crit', 'b64'] as const;
const THUMBPRINT_S256 = /^[A-Za-z0-9_-]{43}$/;

export interface JweHeaderCheck {
  alg: JweKeyAlgorithm;
  kid: string;
  privateKey: KeyObject;
}

export interface DecryptionKey {
  kid: string;
  privateKey: KeyObject;
}

export function checkJweHeader(header: Record<string, unknown>, decryptionKeys: readonly DecryptionKey[]): JweHeaderCheck {
  const { alg, enc, cty, kid } = header;
  const entry = typeof kid === 'string' ? decryptionKeys.find((candidate) => candidate.kid === kid) : undefined;
  if (!isJweKeyAlgorithm(alg)) {
    // For a key held here, the one algorithm it takes; else every algorithm the hub accepts.
    const allowed = entry ? [jweAlgorithmForKey(entry.privateKey)].filter((known) => known !== undefined) : [...JWE_KEY_ALGORITHMS];
    throw new HubError('JWE_ALG_NOT_ALLOWED', 'the JWE key management algorithm is not allowed', { received: headerValue(alg), allowed });
  }
  if (enc !== JWE_CONTENT_ENCRYPTION) {
    throw new HubError('JWE_ENC_NOT_ALLOWED', 'the JWE content encryption algorithm is not allowed', { received: headerValue(enc), allowed: [JWE_CONTENT_ENCRYPTION] });
  }
  // Compression before encryption leaks plaintext through ciphertext length (RFC 8725 s.3.6).
  if (Object.hasOwn(header, 'zip')) throw new HubError('JWE_ZIP_NOT_ALLOWED', 'compressed JWEs are not accepted');
  if (!isEnvelopeMediaType(cty)) throw new HubError('JWE_CTY_INVALID', 'the JWE content type is not an isp-message JWS');
  if (Object.hasOwn(header, 'crit')) throw new HubError('ENVELOPE_HEADER_INVALID', 'the JWE names critical extensions', { member: 'crit' });
  if (!entry || typeof kid !== 'string') {
    throw new HubError('JWE_UNKNOWN_KID', 'the JWE is not encrypted to a key held here', { expected: decryptionKeys.map((key) => key.kid) });
  }
  // The header may not pick an algorithm the key was not issued for (RFC 8725 s.3.1).
  const fits = jweAlgorithmForKey(entry.privateKey);
  if (fits !== alg) {
    throw new HubError('JWE_ALG_NOT_ALLOWED', 'the JWE algorithm does not fit the key it names', { received: alg, allowed: fits ? [fits] : [] });
  }
  if (alg === 'ECDH-ES+A256KW') checkEphemeralKey(header.epk, entry.privateKey);
  return { alg, kid, privateKey: entry.privateKey };
}

/** The ephemeral public key must be a public JWK on the recipient's curve (RFC 7518 s.4.6.1.1). */
function checkEphemeralKey(epk: unknown, recipientKey: KeyObject): void {
  const expected = recipientKey.asymmetricKeyType === 'x25519' ? { kty: 'OKP', crv: 'X25519' } : { kty: 'EC', crv: 'P-256' };
  const valid =
    epk !== null &&
    typeof epk === 'object' &&
    !Array.isArray(epk) &&
    (epk as Record<string, unknown>).kty === expected.kty &&
    (epk as Record<string, unknown>).crv === expected.crv &&
    !Object.hasOwn(epk, 'd');
  if (!valid) throw new HubError('ENVELOPE_HEADER_INVALID', 'the JWE ephemeral public key is missing or on the wrong curve', { member: 'epk' });
}

export interface JwsHeaderCheck {
  alg: JwsAlgorithm;
  thumbprint: string;
}

export function checkJwsHeader(header: Record<string, unknown>, signature: Buffer): JwsHeaderCheck {
  const { alg, typ } = header;
  if (!isJwsAlgorithm(alg)) {
    throw new HubError('JWS_ALG_NOT_ALLOWED', 'the JWS algorithm is not allowed', { received: headerValue(alg), allowed: [...JWS_ALGORITHMS] });
  }
  if (!isEnvelopeMediaType(typ)) throw new HubError('JWS_TYP_INVALID', 'the JWS type is not isp-message+jws');
  for (const member of REFUSED_JWS_MEMBERS) {
    if (Object.hasOwn(header, member)) throw new HubError('ENVELOPE_HEADER_INVALID', `the JWS header carries "${member}"`, { member });
  }
  const thumbprint = header['x5t#S256'];
  if (typeof thumbprint !== 'string' || !THUMBPRINT_S256.test(thumbprint)) {
    throw new HubError('ENVELOPE_HEADER_INVALID', 'the JWS header does not name its signer by x5t#S256', { member: 'x5t#S256' });
  }
  // ES256 is R||S of 32 bytes each (RFC 7518 s.3.4), Ed25519 64 bytes (RFC 8037 s.3.1);
  // a PS256 signature is as long as the modulus, checked once the key is known.
  if (signature.length === 0 || ((alg === 'ES256' || alg === 'EdDSA') && signature.length !== 64)) {
    throw new HubError('JWS_SIGNATURE_INVALID', 'the JWS signature segment has the wrong length for its algorithm');
  }
  return { alg, thumbprint };
}

/**
 * A header member as the sender wrote it, for an error's details: algorithm
 * names are short tokens (RFC 7518 s.3.1, s.4.1), so anything else is
 * described rather than echoed, keeping details bounded and printable.
 */
function headerValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  return typeof value === 'string' && /^[A-Za-z0-9+_.-]{1,32}$/.test(value) ? value : '(not an algorithm name)';
}
