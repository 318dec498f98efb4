import path from 'node:path';
import type { CaDirectory } from './ca-directory.js';
import { readCertificateRequest } from './certificate-request.js';
import { DEFAULT_HUB_ID, issueCertificate, type IssueCertificateOptions, type IssuedCertificate } from './issue-certificate.js';
import { ISSUED_RECORD_DIR, assertKeyNotCertifiedElsewhere, findIssuedCertificates } from './issued-certificates.js';
import { parseIdentifier } from './subject.js';

export type SignRequestOptions = Omit<IssueCertificateOptions, 'publicKey' | 'algorithm'> & {
  /** Where to look for certificates this CA issued before, besides its issued/ record (the CA folder's parent by default). */
  issuedRoot?: string;
};

/**
 * `isp-hub certs sign`: certifies the public key of a checked CSR
 * (certificate-request.ts) with the CA's own profile for the kind, after
 * making sure no other party holds a certificate for that key. Returns a
 * certificate and nothing else: the private key never left the requester.
 * Every refusal is thrown before anything is issued.
 */
export async function signCertificateRequest(caDirectory: CaDirectory, csr: string | Buffer, options: SignRequestOptions): Promise<IssuedCertificate> {
  const request = await readCertificateRequest(csr);
  const { issuedRoot, ...profile } = options;
  const id = parseIdentifier(profile.id ?? (profile.kind === 'agency' ? undefined : DEFAULT_HUB_ID), profile.kind === 'agency' ? 'agency id' : 'hub id');
  const root = issuedRoot ?? path.dirname(path.resolve(caDirectory.dir));
  const record = path.join(caDirectory.dir, ISSUED_RECORD_DIR);
  // The CA's own record always counts, wherever root points.
  const inRecord = path.resolve(record).startsWith(path.resolve(root) + path.sep) ? [] : await findIssuedCertificates(caDirectory.ca, record);
  const issued = [...(await findIssuedCertificates(caDirectory.ca, root)), ...inRecord];
  assertKeyNotCertifiedElsewhere(request.publicKey, { kind: profile.kind, id, encryptionOnly: profile.kind === 'agency' && profile.encryptionOnly === true }, issued, caDirectory.revocations);
  return issueCertificate(caDirectory.ca, { ...profile, id, publicKey: request.publicKey });
}
