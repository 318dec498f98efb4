import path from 'node:path';
import { AGENCY_ENCRYPTION_FILES, AGENCY_PREVIOUS_ENCRYPTION_FILES, CA_FILES, ISSUED_FILES } from '../pki/ca-directory.js';

/**
 * The files of one agency's folder, as certs-example/ lays them out and as
 * `createAgencyClientFromFiles` reads them. The encryption pair is optional:
 * an agency that has one is encrypted to with it (e.g. an RSA or X25519 key: keyEncipherment or keyAgreement
 * only, so it cannot replace the signing and TLS certificate, docs/pki.md).
 */
export const AGENCY_FILES = Object.freeze({
  /** Signing (JWS), TLS client and server, and decryption when there is no encryption pair. */
  certificate: ISSUED_FILES.agency.certificate,
  privateKey: ISSUED_FILES.agency.privateKey,
  /** The issuing CA certificate(s), not the leaf. */
  chain: ISSUED_FILES.agency.chain,
  /** The certificate deliveries are encrypted to, and its key: where `isp-hub certs issue --encryption` (and any X25519 agency certificate) is written. */
  encryptionCertificate: AGENCY_ENCRYPTION_FILES.certificate,
  encryptionPrivateKey: AGENCY_ENCRYPTION_FILES.privateKey,
  /** The encryption pair replaced last (`isp-hub certs issue` keeps it): deliveries sealed to it still open. */
  previousEncryptionCertificate: AGENCY_PREVIOUS_ENCRYPTION_FILES.certificate,
  previousEncryptionPrivateKey: AGENCY_PREVIOUS_ENCRYPTION_FILES.privateKey,
});

/**
 * Where one agency's files are in a scheme folder laid out as certs-example/
 * (`ca/` beside `agencies/<id>/`): what createAgencyClientFromFiles reads.
 */
export function agencyFilesIn(schemeDir: string, agencyId: string): { agencyDir: string; caCertFile: string; revocationsFile: string } {
  return {
    agencyDir: path.join(schemeDir, 'agencies', agencyId),
    caCertFile: path.join(schemeDir, 'ca', CA_FILES.certificate),
    revocationsFile: path.join(schemeDir, 'ca', CA_FILES.revocations),
  };
}
