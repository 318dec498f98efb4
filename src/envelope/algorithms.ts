import type { KeyObject } from 'node:crypto';

/**
 * The algorithm allow-lists of the envelope (docs/envelope.md).
 *
 * Only asymmetric algorithms: an HMAC ("HS256") JWS keyed with a sender's
 * public key is the classic algorithm-confusion forgery, and `none` is no
 * signature at all (RFC 8725 s.2.1, s.3.1). RSA1_5 is out because of
 * Bleichenbacher-style padding oracles (RFC 8725 s.2.4); `dir` and the A*KW
 * families need a shared secret the scheme does not have.
 */
export const JWS_ALGORITHMS = ['ES256', 'EdDSA', 'PS256'] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

export const JWE_KEY_ALGORITHMS = ['ECDH-ES+A256KW', 'RSA-OAEP-256'] as const;
export type JweKeyAlgorithm = (typeof JWE_KEY_ALGORITHMS)[number];

export const JWE_CONTENT_ENCRYPTION = 'A256GCM';

/** Media type of the inner JWS, without the optional "application/" prefix (RFC 7515 s.4.1.9). */
export const ENVELOPE_MEDIA_TYPE = 'isp-message+jws';

/** RSA keys below this size are refused (RFC 7518 s.3.5 and s.4.3 require >= 2048 bits). */
export const MIN_RSA_BITS = 2048;

export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && (JWS_ALGORITHMS as readonly string[]).includes(value);
}

export function isJweKeyAlgorithm(value: unknown): value is JweKeyAlgorithm {
  return typeof value === 'string' && (JWE_KEY_ALGORITHMS as readonly string[]).includes(value);
}

function isLargeEnoughRsa(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS;
}

/** The one JWS algorithm a signing (or verification) key can be used with, or undefined. */
export function jwsAlgorithmForKey(key: KeyObject): JwsAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (isLargeEnoughRsa(key)) return 'PS256';
  return undefined;
}

/** The one JWE key-management algorithm a recipient key can be used with, or undefined. */
export function jweAlgorithmForKey(key: KeyObject): JweKeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ECDH-ES+A256KW';
  if (key.asymmetricKeyType === 'x25519') return 'ECDH-ES+A256KW';
  if (isLargeEnoughRsa(key)) return 'RSA-OAEP-256';
  return undefined;
}

/** True when a media-type header value names the envelope type (case-insensitive, RFC 7515 s.4.1.9-10). */
export function isEnvelopeMediaType(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const lower = value.toLowerCase();
  return lower === ENVELOPE_MEDIA_TYPE || lower === `application/${ENVELOPE_MEDIA_TYPE}`;
}

/**
 * The default key types for each role, chosen from bench:envelope
 * (docs/envelope.md "Figures"): the hub decrypts every inbound message and
 * encrypts every delivery, and every recipient decrypts what it receives, so
 * the encryption key should be cheap to wrap to AND to unwrap. X25519 is
 * both (jose 6: ~590 us wrap, ~470 us unwrap here); RSA-OAEP-256 is cheap to
 * wrap but the dearest to unwrap (~900 us), and P-256 is dear both ways.
 * The envelope still picks algorithms from the keys it is given; this names
 * the key types that certificate issuing should default to for each role.
 */
export const DEFAULT_ENVELOPE_ALGORITHMS = Object.freeze({
  signing: { alg: 'ES256', key: 'P-256' },
  encryption: { alg: 'ECDH-ES+A256KW', key: 'X25519' },
} as const);
