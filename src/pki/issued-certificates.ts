import type { KeyObject, X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { describeCertificate, type CertificateInfo } from './certificate-info.js';
import { readCertificatesPem } from './pem.js';
import type { RevocationList } from './revocation-list.js';

/**
 * The certificates a CA has issued, as far as the files show: every PEM
 * certificate under a folder (the CA folder's parent by default, which holds
 * certs-example's agencies/ and hub/, and the CA's own `issued/` record that
 * `certs issue` and `certs sign` keep) that this CA signed.
 */
export interface IssuedCertificateFile {
  readonly certificate: X509Certificate;
  readonly info: CertificateInfo;
  /** The file it was found in. */
  readonly file: string;
}

/** Where `certs issue` and `certs sign` keep a copy of every certificate they issue, inside the CA folder. */
export const ISSUED_RECORD_DIR = 'issued';
const MAX_PEM_BYTES = 1024 * 1024;

/** Every .pem file under root (not following links, skipping dependency and VCS folders). */
async function findPemFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) await walk(full, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.pem')) found.push(full);
    }
  };
  await walk(root, 0);
  return found.sort();
}

export async function findIssuedCertificates(ca: CertificateAuthority, root: string): Promise<IssuedCertificateFile[]> {
  const found: IssuedCertificateFile[] = [];
  for (const file of await findPemFiles(root)) {
    if ((await stat(file)).size > MAX_PEM_BYTES) continue;
    let certificates: X509Certificate[];
    try {
      certificates = readCertificatesPem(await readFile(file, 'utf8'));
    } catch {
      continue; // a key file, a CSR, or not a certificate at all
    }
    for (const certificate of certificates) {
      if (certificate.raw.equals(ca.certificate.raw) || certificate.issuer !== ca.certificate.subject) continue;
      if (!certificate.verify(ca.certificate.publicKey)) continue;
      found.push({ certificate, info: describeCertificate(certificate), file });
    }
  }
  return found;
}

/** Who a certificate was issued to, as far as reusing its key goes: the kind, the id, and for an agency whether it is its encryption certificate. */
export interface KeyHolder {
  kind: CertificateInfo['kind'];
  id: string;
  encryptionOnly: boolean;
}

function holderOf(info: CertificateInfo): KeyHolder {
  const encryptionOnly = info.kind === 'agency' && !(info.keyUsage ?? []).includes('digitalSignature');
  return { kind: info.kind, id: info.subject.commonName, encryptionOnly };
}

const describeHolder = (holder: KeyHolder) =>
  `${holder.kind === 'agency' ? `agency ${holder.id}${holder.encryptionOnly ? ' (encryption)' : ''}` : `the hub's ${holder.kind ?? 'unknown'} certificate (${holder.id})`}`;

/**
 * Refuses to certify a public key that this CA already certified to another
 * party: two parties holding one key could each sign as the other, and a
 * signature would no longer name its sender. The same key again for the
 * same holder (a renewal that keeps the key) is allowed, unless a
 * certificate for it was revoked for keyCompromise: a key known to be
 * compromised is never certified again.
 */
export function assertKeyNotCertifiedElsewhere(
  publicKey: KeyObject,
  holder: KeyHolder,
  issued: readonly IssuedCertificateFile[],
  revocations: Pick<RevocationList, 'get'>,
): void {
  for (const { certificate, info } of issued) {
    if (!certificate.publicKey.equals(publicKey)) continue;
    const existing = holderOf(info);
    if (existing.kind !== holder.kind || existing.id !== holder.id || existing.encryptionOnly !== holder.encryptionOnly) {
      throw new HubError('CERT_KEY_IN_USE', `this public key is already certified to ${describeHolder(existing)} (serial ${info.serialNumber}); every party needs its own key`, {
        serialNumber: info.serialNumber,
      });
    }
    if (revocations.get(info.serialNumber)?.reason === 'keyCompromise') {
      throw new HubError('CERT_KEY_IN_USE', `a certificate for this public key (serial ${info.serialNumber}) was revoked for keyCompromise; make a new key`, {
        serialNumber: info.serialNumber,
      });
    }
  }
}
