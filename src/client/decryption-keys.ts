import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { DecryptionKey } from '../envelope/index.js';
import { HubError } from '../errors.js';
import { keyBelongsTo } from '../pki/keys.js';
import { thumbprintS256 } from '../pki/thumbprint.js';

/** A separate encryption key and its certificate, as PEM (certs-example: encryption-key.pem, encryption-cert.pem). */
export interface EncryptionKeyPair {
  privateKeyPem: string;
  certificatePem: string;
}

/**
 * The keys an agency opens deliveries with, each under the `kid` the hub
 * seals to: the certificate's x5t#S256 thumbprint (RFC 7515 s.4.1.8). The
 * encryption key comes first, as the hub uses it once it knows the
 * certificate; the main key stays, so deliveries sealed to it before the
 * change (still waiting in an inbox, or from a hub whose agencies.yaml does
 * not name the encryption certificate) still open.
 */
export function decryptionKeysFor(main: { privateKey: KeyObject; certificate: X509Certificate }, encryption: EncryptionKeyPair | undefined): DecryptionKey[] {
  const mainKey = { kid: thumbprintS256(main.certificate), privateKey: main.privateKey };
  if (!encryption) return [mainKey];
  const certificate = new X509Certificate(encryption.certificatePem);
  const privateKey = createPrivateKey(encryption.privateKeyPem);
  if (!keyBelongsTo(privateKey, certificate)) {
    throw new HubError('CONFIG_INVALID', 'the encryption key does not belong to the encryption certificate');
  }
  return [{ kid: thumbprintS256(certificate), privateKey }, mainKey];
}
