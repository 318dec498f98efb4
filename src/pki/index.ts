/**
 * The scheme PKI: a CA, issuing and reading certificates, chain and validity
 * checks, the revocation list, PKCS#12 bundles and x5t#S256 thumbprints.
 * See docs/pki.md for the subject encoding and why each library is used.
 */
export { thumbprintS256 } from './thumbprint.js';
export {
  DEFAULT_KEY_ALGORITHM,
  MIN_RSA_BITS,
  generateKeyPair,
  keyAlgorithmOf,
  keyFamilyOf,
  parseKeyAlgorithm,
  privateKeyToPem,
  readPrivateKeyPem,
  type GeneratedKeyPair,
  type KeyAlgorithm,
  type KeyFamily,
} from './keys.js';
export { certificateToPem, certificatesToPem, parseCertificateDer, readCertificatePem, readCertificatesPem } from './pem.js';
export {
  CERTIFICATE_KINDS,
  DEMONSTRATION_MARKER,
  HUB_CERTIFICATE_KINDS,
  type CertificateKind,
} from './oids.js';
export { describeCertificate, normaliseSerialNumber, type CertificateInfo, type KeyUsageName } from './certificate-info.js';
export {
  createCertificateAuthority,
  loadCertificateAuthority,
  type CertificateAuthority,
  type CreateCertificateAuthorityOptions,
} from './certificate-authority.js';
export { DEFAULT_HUB_ID, issueCertificate, type IssueCertificateOptions, type IssuedCertificate } from './issue-certificate.js';
export {
  REVOCATION_REASONS,
  createRevocationListFile,
  openRevocationList,
  parseRevocationReason,
  type RevocationChecker,
  type RevocationEntry,
  type RevocationList,
  type RevocationReason,
} from './revocation-list.js';
export {
  createTrustStore,
  type CertificateUsage,
  type TrustStore,
  type TrustStoreOptions,
  type VerifiedCertificate,
  type VerifyOptions,
} from './trust-store.js';
export { toPkcs12, type Pkcs12Input } from './pkcs12.js';
export {
  CA_FILES,
  HUB_ENCRYPTION_FILES,
  ISSUED_FILES,
  initCaDirectory,
  loadCaDirectory,
  recordIssuedCertificate,
  writeIssuedCertificate,
  type CaDirectory,
} from './ca-directory.js';
export { createCertificateRequest, readCertificateRequest, type CertificateRequest, type CreatedCertificateRequest } from './certificate-request.js';
export { signCertificateRequest, type SignRequestOptions } from './sign-request.js';
export { ISSUED_RECORD_DIR, findIssuedCertificates, type IssuedCertificateFile } from './issued-certificates.js';
