import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject, type X509Certificate } from 'node:crypto';
import { HubError } from '../errors.js';

/**
 * Key algorithms the scheme accepts. P-256 is the default: every JOSE library
 * and TLS stack speaks it, and one P-256 key can both sign (ES256) and agree
 * keys (ECDH-ES), so an agency needs a single key. Ed25519 signs only and
 * X25519 agrees keys only (RFC 8410), so they come as a pair of certificates.
 * RSA below 2048 bits is refused (NIST SP 800-131A).
 */
export type KeyAlgorithm = 'P-256' | 'Ed25519' | 'X25519' | `RSA-${number}`;

export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'P-256';
export const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

/** The key's family, as the checks need it. */
export type KeyFamily = 'ec' | 'ed25519' | 'x25519' | 'rsa';

/** Parses an algorithm name from outside (CLI, config); refuses what the scheme does not accept. */
export function parseKeyAlgorithm(text: string): KeyAlgorithm {
  const value = text.trim();
  const lower = value.toLowerCase();
  if (lower === 'p-256' || lower === 'p256' || lower === 'ec' || lower === 'prime256v1') return 'P-256';
  if (lower === 'ed25519') return 'Ed25519';
  if (lower === 'x25519') return 'X25519';
  const rsa = /^rsa(?:-(\d{1,5}))?$/.exec(lower);
  if (rsa) {
    const bits = rsa[1] === undefined ? MIN_RSA_BITS : Number(rsa[1]);
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS || bits % 8 !== 0) {
      throw new HubError('CERT_KEY_UNSUPPORTED', `RSA keys must be ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits, in whole bytes`);
    }
    return `RSA-${bits}`;
  }
  throw new HubError('CERT_KEY_UNSUPPORTED', 'key algorithm not supported: use P-256, Ed25519, X25519 or RSA-2048 and up');
}

export function keyFamilyOf(algorithm: KeyAlgorithm): KeyFamily {
  if (algorithm === 'P-256') return 'ec';
  if (algorithm === 'Ed25519') return 'ed25519';
  if (algorithm === 'X25519') return 'x25519';
  return 'rsa';
}

export interface GeneratedKeyPair {
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

/** A fresh key pair from node:crypto (OpenSSL's generators, not JavaScript ones). */
export function generateKeyPair(algorithm: KeyAlgorithm = DEFAULT_KEY_ALGORITHM): GeneratedKeyPair {
  const checked = parseKeyAlgorithm(algorithm);
  const family = keyFamilyOf(checked);
  switch (family) {
    case 'ec':
      return { algorithm: checked, ...generateKeyPairSync('ec', { namedCurve: 'P-256' }) };
    case 'ed25519':
      return { algorithm: checked, ...generateKeyPairSync('ed25519') };
    case 'x25519':
      return { algorithm: checked, ...generateKeyPairSync('x25519') };
    case 'rsa':
      return { algorithm: checked, ...generateKeyPairSync('rsa', { modulusLength: Number(checked.slice(4)) }) };
  }
}

/**
 * The algorithm of an existing key, refusing keys the scheme does not accept
 * (other curves, short RSA, DSA, ...).
 */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1' || details.namedCurve === 'P-256') return 'P-256';
      throw new HubError('CERT_KEY_UNSUPPORTED', 'only the P-256 curve is accepted for EC keys');
    case 'ed25519':
      return 'Ed25519';
    case 'x25519':
      return 'X25519';
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw new HubError('CERT_KEY_UNSUPPORTED', `RSA keys shorter than ${MIN_RSA_BITS} bits are refused`);
      // An outsized modulus buys no security worth having and makes every signature check on it dear.
      if (bits > MAX_RSA_BITS) throw new HubError('CERT_KEY_UNSUPPORTED', `RSA keys longer than ${MAX_RSA_BITS} bits are refused`);
      return `RSA-${bits}`;
    }
    default:
      throw new HubError('CERT_KEY_UNSUPPORTED', 'key type not supported: use P-256, Ed25519, X25519 or RSA');
  }
}

/** WebCrypto parameters for a CA's signatures (SHA-256 throughout, RFC 5758 / RFC 8410 / RFC 4055). */
export function signatureParametersFor(algorithm: KeyAlgorithm): {
  importParams: webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  signingAlgorithm: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
} {
  switch (keyFamilyOf(algorithm)) {
    case 'ec':
      return {
        importParams: { name: 'ECDSA', namedCurve: 'P-256' },
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      };
    case 'ed25519':
      return { importParams: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
    case 'rsa':
      // PKCS#1 v1.5 for certificate signatures: what every verifier (openssl,
      // Java, Windows) accepts without parameters (RFC 4055 s.5).
      return {
        importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      };
    case 'x25519':
      throw new HubError('CERT_KEY_UNSUPPORTED', 'X25519 keys cannot sign, so they cannot belong to a CA or a signing certificate');
  }
}

/** The CA's private key as a WebCrypto key, which @peculiar/x509 signs with. */
export async function toWebCryptoSigningKey(privateKey: KeyObject, algorithm: KeyAlgorithm): Promise<webcrypto.CryptoKey> {
  const { importParams } = signatureParametersFor(algorithm);
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, importParams, false, ['sign']);
}

/** Reads a private key PEM (PKCS#8, or the older PKCS#1 / SEC1 forms). */
export function readPrivateKeyPem(text: string): KeyObject {
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new HubError('CERT_MALFORMED', 'the private key PEM could not be read');
  }
}

/** Private keys are always written as unencrypted PKCS#8 (RFC 5208) PEM. */
export function privateKeyToPem(key: KeyObject): string {
  if (key.type !== 'private') throw new TypeError('privateKeyToPem needs a private key');
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** True when the private key is the one whose public half the certificate carries. */
export function keyBelongsTo(privateKey: KeyObject, certificate: X509Certificate): boolean {
  return createPublicKey(privateKey).equals(certificate.publicKey);
}
