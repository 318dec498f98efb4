import { compactDecrypt, compactVerify } from 'jose';
import { HubError } from '../errors.js';
import { JWE_CONTENT_ENCRYPTION, jwsAlgorithmForKey } from './algorithms.js';
import { checkClaims, isJsonObject } from './claims.js';
import { assertEnvelopeJweSegments, parseCompactJwe, parseCompactJws } from './compact.js';
import { checkJweHeader, checkJwsHeader } from './headers.js';
import { cryptoKeyFor, verificationKeyFor } from './keys.js';
import type { OpenedEnvelope, OpenOptions, ResolvedSigner } from './types.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function assertOptions(options: OpenOptions<ResolvedSigner>): void {
  const { maxBytes, clockSkewSeconds, maxLifetimeSeconds, audience, decryptionKeys, resolveSigner } = options;
  const counts = [maxBytes, clockSkewSeconds, maxLifetimeSeconds].every((n) => Number.isInteger(n) && n >= 0);
  if (!counts || typeof audience !== 'string' || audience.length === 0 || !Array.isArray(decryptionKeys) || typeof resolveSigner !== 'function') {
    throw new TypeError('open() needs maxBytes, clockSkewSeconds, maxLifetimeSeconds, audience, decryptionKeys and resolveSigner');
  }
}

/**
 * Opens a sealed envelope: decrypts the JWE with one of our keys, checks the
 * claims, resolves the signer named by `x5t#S256` through the caller (registry
 * + pki trust store), and verifies the JWS with that certificate's key.
 *
 * Everything that needs no key runs first, in this order: size, JWE shape,
 * JWE header rules, segment sizes; after decryption: JWS shape, JWS header rules, claims.
 * Nothing in the payload is trusted until the signature verifies; checking
 * claims earlier only means a bad message is refused without a trust-store
 * lookup or a signature check.
 */
export async function open<S extends ResolvedSigner>(compact: string, options: OpenOptions<S>): Promise<OpenedEnvelope<S>> {
  assertOptions(options);
  if (typeof compact !== 'string') throw new HubError('ENVELOPE_MALFORMED', 'the envelope is not a string');
  // length is in UTF-16 units; a conforming compact JWE is ASCII, where it equals the byte count.
  if (compact.length > options.maxBytes || Buffer.byteLength(compact, 'utf8') > options.maxBytes) {
    throw new HubError('ENVELOPE_TOO_LARGE', 'the envelope exceeds the size limit', { maxBytes: options.maxBytes });
  }

  const jwe = parseCompactJwe(compact);
  const recipient = checkJweHeader(jwe.protectedHeader, options.decryptionKeys);
  assertEnvelopeJweSegments(jwe);

  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(compact, await cryptoKeyFor(recipient.privateKey, recipient.alg), {
      keyManagementAlgorithms: [recipient.alg],
      contentEncryptionAlgorithms: [JWE_CONTENT_ENCRYPTION],
    }));
  } catch {
    // One code for every failure past this point (wrong key, bad tag, altered
    // header, IV or ciphertext) so that the answer is no decryption oracle.
    throw new HubError('JWE_DECRYPTION_FAILED', 'the envelope could not be decrypted');
  }

  let innerJws: string;
  try {
    innerJws = strictUtf8.decode(plaintext);
  } catch {
    throw new HubError('ENVELOPE_MALFORMED', 'the JWE plaintext is not text');
  }
  const jws = parseCompactJws(innerJws);
  const signing = checkJwsHeader(jws.protectedHeader, jws.signature);

  let payload: unknown;
  try {
    payload = JSON.parse(strictUtf8.decode(jws.payload));
  } catch {
    throw new HubError('ENVELOPE_MALFORMED', 'the JWS payload is not JSON');
  }
  // A JWT claims set is a JSON object (RFC 7519 s.7.2 step 10).
  if (!isJsonObject(payload)) throw new HubError('ENVELOPE_MALFORMED', 'the JWS payload is not a JSON object');
  const claims = checkClaims(payload, {
    audience: options.audience,
    clockSkewSeconds: options.clockSkewSeconds,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
    now: options.now ?? new Date(),
  });

  // The caller's registry and trust store: its CERT_* / JWS_SIGNER_UNKNOWN errors pass through.
  const signer = await options.resolveSigner(signing.thumbprint);
  if (signing.alg === 'PS256' && jws.signature.length * 8 !== signer.publicKey.asymmetricKeyDetails?.modulusLength) {
    throw new HubError('JWS_SIGNATURE_INVALID', 'the JWS signature segment has the wrong length for its key');
  }
  const fits = jwsAlgorithmForKey(signer.publicKey);
  if (fits !== signing.alg) {
    throw new HubError('JWS_KEY_MISMATCH', 'the JWS algorithm does not fit the key of the certificate it names', { received: signing.alg, allowed: fits ? [fits] : [] });
  }
  try {
    await compactVerify(innerJws, await verificationKeyFor(signing.thumbprint, signing.alg, signer.publicKey, signer.certificate), {
      algorithms: [signing.alg],
    });
  } catch (error) {
    if (error instanceof TypeError) throw error;
    // The signature is well formed (checked above) but does not verify with the
    // key of the certificate the header names: the signing key is not that one.
    throw new HubError('JWS_KEY_MISMATCH', 'the JWS does not verify with the key of the certificate it names');
  }

  return {
    claims,
    protectedHeaders: { jwe: jwe.protectedHeader, jws: jws.protectedHeader },
    signerThumbprint: signing.thumbprint,
    signer,
    innerJws,
  };
}
