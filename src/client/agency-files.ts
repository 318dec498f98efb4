/**
 * The files of one agency's folder, as certs-example/ lays them out and as
 * `createAgencyClientFromFiles` reads them. The encryption pair is optional:
 * an agency that has one is encrypted to with it (an X25519 key: keyAgreement
 * only, so it cannot replace the signing and TLS certificate, docs/pki.md).
 */
export const AGENCY_FILES = Object.freeze({
  /** Signing (JWS), TLS client and server, and decryption when there is no encryption pair. */
  certificate: 'cert.pem',
  privateKey: 'key.pem',
  /** The issuing CA certificate(s), not the leaf. */
  chain: 'chain.pem',
  /** The certificate deliveries are encrypted to, and its key. */
  encryptionCertificate: 'encryption-cert.pem',
  encryptionPrivateKey: 'encryption-key.pem',
});
