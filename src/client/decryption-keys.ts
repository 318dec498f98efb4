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
 * certificate; then any encryption pairs it replaced, and the main key, so
 * deliveries sealed before a change (still waiting in an inbox, or from a
 * hub whose agencies.yaml does not name the new certificate yet) still open.
 */
export function decryptionKeysFor(
  main: { privateKey: KeyObject; certificate: X509Certificate },
  encryption: EncryptionKeyPair | undefined,
  previous: readonly EncryptionKeyPair[] = [],
): DecryptionKey[] {
  const mainKey = { kid: thumbprintS256(main.certificate), privateKey: main.privateKey };
  if (!encryption && previous.length > 0) throw new HubError('CONFIG_INVALID', 'a previous encryption pair is given without a current one');
  const pairs = encryption ? [encryption, ...previous] : [];
  return [...pairs.map((pair, position) => decryptionKeyOf(pair, position === 0 ? 'encryption' : 'previous encryption')), mainKey];
}

function decryptionKeyOf(pair: EncryptionKeyPair, which: string): DecryptionKey {
  const certificate = new X509Certificate(pair.certificatePem);
  const privateKey = createPrivateKey(pair.privateKeyPem);
  if (!keyBelongsTo(privateKey, certificate)) {
    throw new HubError('CONFIG_INVALID', `the ${which} key does not belong to the ${which} certificate`);
  }
  return { kid: thumbprintS256(certificate), privateKey };
}
