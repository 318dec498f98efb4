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
 * The types of key a JWE may be encrypted to, in the hub's order of
 * preference: cheapest first for the hub to open, which it does for every
 * message every agency sends (jose 6 on Node 24, median CPU of 41
 * interleaved rounds on the project's 2-core machine; open = unwrap and
 * ES256 check):
 *   X25519 (ECDH-ES+A256KW)   open ~0.43 ms
 *   P-256 (ECDH-ES+A256KW)    open ~0.52 ms
 *   RSA-2048 (RSA-OAEP-256)   open ~0.58 ms
 * The hub's JWKS lists its encryption keys in this order (a sender takes the
 * first it supports) and the SDK, which supports all three, seals to the
 * first of these the hub publishes. Every mainstream JOSE library does RSA
 * and P-256; X25519 is missing from .NET, the C `jose` tool and jwcrypto
 * before 1.5, and go-jose refuses a whole JWK Set holding an OKP X25519 key
 * (its parser takes only Ed25519 for OKP). So the hub holds an X25519 key
 * only where the operator adds one, and by default publishes P-256 then RSA.
 */
export const ENCRYPTION_KEY_TYPES_BY_SPEED = ['X25519', 'P-256', 'RSA'] as const;
export type EncryptionKeyType = (typeof ENCRYPTION_KEY_TYPES_BY_SPEED)[number];

/** The encryption key type of a key, or undefined when no JWE may be encrypted to it. */
export function encryptionKeyTypeOf(key: KeyObject): EncryptionKeyType | undefined {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'P-256';
  if (key.asymmetricKeyType === 'x25519') return 'X25519';
  if (isLargeEnoughRsa(key)) return 'RSA';
  return undefined;
}

/**
 * The default key types for an agency, chosen by speed among
 * the types every mainstream JOSE library supports, since an agency's own
 * stack must open what is sealed to it: an agency's encryption key is
 * RSA-2048 (RSA-OAEP-256). The hub seals every delivery to it, and an RSA
 * wrap is the cheapest it can make (~0.19 ms against ~0.42 ms for P-256);
 * the agency's open costs ~0.06 ms more than with P-256. Signing stays P-256
 * (ES256): one key for JWS and TLS, cheaper to sign with than RSA (PS256
 * ~0.35 ms). The hub itself holds a P-256 and an RSA encryption key
 * (certs-example), so that every sender finds one it supports. The envelope
 * still picks algorithms from the keys it is given; this names the key types
 * that certificate issuing defaults to.
 */
export const DEFAULT_ENVELOPE_ALGORITHMS = Object.freeze({
  signing: { alg: 'ES256', key: 'P-256' },
  encryption: { alg: 'RSA-OAEP-256', key: 'RSA-2048' },
} as const);
