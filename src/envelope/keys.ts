import { webcrypto, type KeyObject, type X509Certificate } from 'node:crypto';
import { keyBelongsTo } from '../pki/keys.js';
import { thumbprintS256 } from '../pki/thumbprint.js';
import type { JweKeyAlgorithm, JwsAlgorithm } from './algorithms.js';

/**
 * Turning node KeyObjects into WebCrypto CryptoKeys once per key and
 * algorithm. jose 6 runs on WebCrypto; handed a KeyObject on Node 20 (which
 * has no KeyObject.toCryptoKey) it exports a JWK and imports it again, and
 * although it memoises that per KeyObject, `X509Certificate.publicKey` hands
 * out a fresh KeyObject on every read, so a registry that reads it per
 * message would pay the import each time. Memoising here, by KeyObject and by
 * certificate thumbprint, removes that from the per-message path (see
 * docs/envelope.md for the figures).
 *
 * These caches are pure memos of deterministic functions (key material ->
 * imported key), hold no I/O client and are bounded, so they may live at
 * module level like jose's own.
 */

type Algorithm = JwsAlgorithm | JweKeyAlgorithm;
type CryptoKey = webcrypto.CryptoKey;

function importParams(alg: Algorithm, key: KeyObject): { params: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm; usages: webcrypto.KeyUsage[] } {
  const isPrivate = key.type === 'private';
  switch (alg) {
    case 'ES256':
      return { params: { name: 'ECDSA', namedCurve: 'P-256' }, usages: [isPrivate ? 'sign' : 'verify'] };
    case 'EdDSA':
      return { params: { name: 'Ed25519' }, usages: [isPrivate ? 'sign' : 'verify'] };
    case 'PS256':
      return { params: { name: 'RSA-PSS', hash: 'SHA-256' }, usages: [isPrivate ? 'sign' : 'verify'] };
    case 'RSA-OAEP-256':
      return { params: { name: 'RSA-OAEP', hash: 'SHA-256' }, usages: [isPrivate ? 'decrypt' : 'encrypt'] };
    case 'ECDH-ES+A256KW':
      return {
        params: key.asymmetricKeyType === 'x25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: 'P-256' },
        usages: isPrivate ? ['deriveBits'] : [],
      };
  }
}

function importCryptoKey(key: KeyObject, alg: Algorithm): Promise<CryptoKey> {
  const { params, usages } = importParams(alg, key);
  return key.type === 'private'
    ? webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), params, false, usages)
    : webcrypto.subtle.importKey('spki', key.export({ format: 'der', type: 'spki' }), params, true, usages);
}

const byKeyObject = new WeakMap<KeyObject, Map<Algorithm, Promise<CryptoKey>>>();

/** The CryptoKey for a KeyObject used with one algorithm, imported once. */
export function cryptoKeyFor(key: KeyObject, alg: Algorithm): Promise<CryptoKey> {
  let perAlg = byKeyObject.get(key);
  if (!perAlg) byKeyObject.set(key, (perAlg = new Map()));
  let imported = perAlg.get(alg);
  if (!imported) {
    imported = importCryptoKey(key, alg);
    // A failed import is not remembered, so a later call reports it again.
    imported.catch(() => perAlg.delete(alg));
    perAlg.set(alg, imported);
  }
  return imported;
}

const MAX_SIGNERS = 4096;
interface SignerEntry {
  publicKey: KeyObject;
  cryptoKey: Promise<CryptoKey>;
  alg: JwsAlgorithm;
}
const bySignerThumbprint = new Map<string, SignerEntry>();

/**
 * The verification key for the certificate a JWS names. The resolver's
 * answer must be self-consistent (its certificate is the one named, and its
 * public key is that certificate's); anything else is a bug in the resolver.
 */
export function verificationKeyFor(thumbprint: string, alg: JwsAlgorithm, publicKey: KeyObject, certificate: X509Certificate): Promise<CryptoKey> {
  const cached = bySignerThumbprint.get(thumbprint);
  if (cached && cached.alg === alg && cached.publicKey.equals(publicKey)) return cached.cryptoKey;
  if (thumbprintS256(certificate) !== thumbprint) throw new TypeError('resolveSigner returned a certificate other than the one named');
  if (!certificate.publicKey.equals(publicKey)) throw new TypeError("resolveSigner returned a public key that is not the certificate's");
  const cryptoKey = importCryptoKey(publicKey, alg);
  cryptoKey.catch(() => bySignerThumbprint.delete(thumbprint));
  // Bounded by insertion order: enough for every agency's live certificates.
  if (bySignerThumbprint.size >= MAX_SIGNERS) bySignerThumbprint.delete(bySignerThumbprint.keys().next().value as string);
  bySignerThumbprint.set(thumbprint, { publicKey, cryptoKey, alg });
  return cryptoKey;
}

const thumbprintBySigningKey = new WeakMap<KeyObject, { certificate: X509Certificate; thumbprint: string }>();

/** `x5t#S256` for a signer, after checking that the certificate carries the signing key's public half. */
export function signerThumbprint(privateKey: KeyObject, certificate: X509Certificate): string {
  const cached = thumbprintBySigningKey.get(privateKey);
  if (cached && cached.certificate === certificate) return cached.thumbprint;
  if (!keyBelongsTo(privateKey, certificate)) {
    throw new TypeError('the signing certificate does not carry the signing key');
  }
  const thumbprint = thumbprintS256(certificate);
  thumbprintBySigningKey.set(privateKey, { certificate, thumbprint });
  return thumbprint;
}
