import { access, mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import { createCertificateAuthority, loadCertificateAuthority, type CertificateAuthority, type CreateCertificateAuthorityOptions } from './certificate-authority.js';
import type { IssuedCertificate } from './issue-certificate.js';
import { ISSUED_RECORD_DIR } from './issued-certificates.js';
import { keyFamilyOf, type KeyFamily } from './keys.js';
import type { CertificateKind } from './oids.js';
import { createRevocationListFile, openRevocationList, writeFileAtomic, type RevocationList } from './revocation-list.js';

/**
 * The on-disk layout the CLI and scripts/make-example-certs.ts share:
 *   <ca dir>/cert.pem, key.pem, revocations.json
 *   agency:  <out>/cert.pem, key.pem, chain.pem
 *            and, for an X25519 (key agreement only) certificate,
 *            <out>/encryption-cert.pem, encryption-key.pem beside them
 *   hub:     <out>/signing-cert.pem, signing-key.pem, tls-..., chain.pem
 *            and one encryption pair per key type: encryption-rsa-...,
 *            encryption-p256-..., encryption-x25519-... (HUB_ENCRYPTION_FILES)
 * chain.pem holds the issuing CA certificate(s), not the leaf.
 */
export const CA_FILES = Object.freeze({ certificate: 'cert.pem', privateKey: 'key.pem', revocations: 'revocations.json' });

export const ISSUED_FILES: Readonly<Record<CertificateKind, { certificate: string; privateKey: string; chain: string }>> = Object.freeze({
  agency: { certificate: 'cert.pem', privateKey: 'key.pem', chain: 'chain.pem' },
  'hub-signing': { certificate: 'signing-cert.pem', privateKey: 'signing-key.pem', chain: 'chain.pem' },
  /** A hub made before it held one encryption key per type kept its single one here; the hub still reads it. */
  'hub-encryption': { certificate: 'encryption-cert.pem', privateKey: 'encryption-key.pem', chain: 'chain.pem' },
  'hub-tls': { certificate: 'tls-cert.pem', privateKey: 'tls-key.pem', chain: 'chain.pem' },
});

/**
 * The hub holds one current encryption key per key type (senders pick the
 * type their JOSE library supports, docs/envelope.md), each pair named for
 * its type so that issuing or rotating one never touches another.
 */
export const HUB_ENCRYPTION_FILES: Readonly<Record<Exclude<KeyFamily, 'ed25519'>, { certificate: string; privateKey: string; chain: string }>> = Object.freeze({
  rsa: { certificate: 'encryption-rsa-cert.pem', privateKey: 'encryption-rsa-key.pem', chain: 'chain.pem' },
  ec: { certificate: 'encryption-p256-cert.pem', privateKey: 'encryption-p256-key.pem', chain: 'chain.pem' },
  x25519: { certificate: 'encryption-x25519-cert.pem', privateKey: 'encryption-x25519-key.pem', chain: 'chain.pem' },
});

/**
 * An agency's X25519 certificate can only agree keys, so it never replaces the
 * signing and TLS pair: it is the agency's encryption certificate, written
 * beside it (as is any agency certificate issued with `asEncryption`, e.g. an
 * RSA one: `isp-hub certs issue --encryption`) (policies/agencies.yaml `encryptionCertificate`; the SDK reads it
 * from there, src/client/agency-files.ts).
 */
export const AGENCY_ENCRYPTION_FILES = Object.freeze({ certificate: 'encryption-cert.pem', privateKey: 'encryption-key.pem', chain: 'chain.pem' });
/**
 * Where a replaced encryption pair is kept: deliveries already sealed to it
 * (waiting in an inbox) must still open until they are collected or expire.
 */
export const AGENCY_PREVIOUS_ENCRYPTION_FILES = Object.freeze({ certificate: 'encryption-cert.previous.pem', privateKey: 'encryption-key.previous.pem' });

/** Whether an issued certificate is written as an agency's encryption pair (always so for an encryption-only one, e.g. X25519). */
function isEncryptionPair(issued: IssuedCertificate, asEncryption: boolean): boolean {
  return issued.kind === 'agency' && (asEncryption || issued.encryptionOnly);
}

function filesFor(issued: IssuedCertificate, asEncryption: boolean): { certificate: string; privateKey: string; chain: string } {
  if (issued.kind === 'hub-encryption') {
    const family = keyFamilyOf(issued.algorithm);
    if (family === 'ed25519') throw new TypeError('an Ed25519 key cannot be a hub encryption key');
    return HUB_ENCRYPTION_FILES[family];
  }
  if (issued.kind !== 'agency') return ISSUED_FILES[issued.kind];
  return isEncryptionPair(issued, asEncryption) ? AGENCY_ENCRYPTION_FILES : ISSUED_FILES.agency;
}

/** Private keys are readable by their owner only. */
const PRIVATE_KEY_MODE = 0o600;

export interface CaDirectory {
  readonly dir: string;
  readonly ca: CertificateAuthority;
  readonly revocations: RevocationList;
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await access(filePath);
    return true;
  } catch {
    return false;
  }
}

/** Creates a CA in an empty (or new) folder; refuses to overwrite an existing CA. */
export async function initCaDirectory(dir: string, options: CreateCertificateAuthorityOptions): Promise<CaDirectory> {
  const files = Object.values(CA_FILES).map((name) => path.join(dir, name));
  for (const file of files) {
    if (await exists(file)) throw new HubError('BAD_REQUEST', `a CA already exists in that folder (${path.basename(file)})`);
  }
  const ca = await createCertificateAuthority(options);
  await writeFileAtomic(path.join(dir, CA_FILES.privateKey), ca.privateKeyPem, PRIVATE_KEY_MODE);
  await writeFileAtomic(path.join(dir, CA_FILES.certificate), ca.certificatePem);
  await createRevocationListFile(path.join(dir, CA_FILES.revocations));
  return { dir, ca, revocations: await openRevocationList(path.join(dir, CA_FILES.revocations)) };
}

export async function loadCaDirectory(dir: string): Promise<CaDirectory> {
  const read = async (name: string): Promise<string> => {
    try {
      return await readFile(path.join(dir, name), 'utf8');
    } catch {
      throw new HubError('CONFIG_INVALID', `CA file ${name} not found in the CA folder (run: isp-hub certs init)`);
    }
  };
  const ca = loadCertificateAuthority({ certificatePem: await read(CA_FILES.certificate), privateKeyPem: await read(CA_FILES.privateKey) });
  return { dir, ca, revocations: await openRevocationList(path.join(dir, CA_FILES.revocations)) };
}

/**
 * Keeps a copy of an issued certificate in the CA folder (`issued/<serial>.pem`),
 * as a CA keeps a database of what it issued (openssl's index.txt does the
 * same), so that `certs sign` can refuse a key already certified to another
 * party even when the certificate went to a folder far from the CA.
 */
export async function recordIssuedCertificate(caDir: string, issued: IssuedCertificate): Promise<string> {
  const file = path.join(caDir, ISSUED_RECORD_DIR, `${issued.serialNumber}.pem`);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, issued.certificatePem);
  return file;
}

/** Writes an issued certificate, its key (mode 0600) and the chain into a folder, named for its kind. */
export async function writeIssuedCertificate(
  outDir: string,
  issued: IssuedCertificate,
  options: { asEncryption?: boolean } = {},
): Promise<{ certificate: string; privateKey: string | undefined; chain: string; previous?: { certificate: string; privateKey: string } }> {
  if (options.asEncryption && issued.kind !== 'agency') throw new HubError('BAD_REQUEST', 'only an agency certificate can be written as an encryption certificate');
  const names = filesFor(issued, options.asEncryption ?? false);
  const certificate = path.join(outDir, names.certificate);
  const chain = path.join(outDir, names.chain);
  const privateKey = issued.privateKeyPem === undefined ? undefined : path.join(outDir, names.privateKey);
  const previous = isEncryptionPair(issued, options.asEncryption ?? false) ? await keepReplacedEncryptionPair(outDir) : undefined;
  if (privateKey !== undefined && issued.privateKeyPem !== undefined) await writeFileAtomic(privateKey, issued.privateKeyPem, PRIVATE_KEY_MODE);
  await writeFileAtomic(certificate, issued.certificatePem);
  await writeFileAtomic(chain, issued.chainPem);
  return { certificate, privateKey, chain, ...(previous ? { previous } : {}) };
}

/**
 * Before a new encryption pair is written over one already there, the old
 * pair moves to the `.previous` names, so that the agency's client still
 * opens what the hub sealed to it (docs/pki.md). A `.previous` pair already
 * there is never overwritten: until agencies.yaml names the current
 * certificate, the hub may still be sealing to it, and a key lost is every
 * delivery sealed to it lost. The operator deletes it once nothing is left
 * sealed to it, then issues again.
 */
async function keepReplacedEncryptionPair(outDir: string): Promise<{ certificate: string; privateKey: string } | undefined> {
  const current = { certificate: path.join(outDir, AGENCY_ENCRYPTION_FILES.certificate), privateKey: path.join(outDir, AGENCY_ENCRYPTION_FILES.privateKey) };
  if (!(await exists(current.certificate)) || !(await exists(current.privateKey))) return undefined;
  const previous = { certificate: path.join(outDir, AGENCY_PREVIOUS_ENCRYPTION_FILES.certificate), privateKey: path.join(outDir, AGENCY_PREVIOUS_ENCRYPTION_FILES.privateKey) };
  if ((await exists(previous.certificate)) || (await exists(previous.privateKey))) {
    throw new HubError(
      'BAD_REQUEST',
      `${outDir} still keeps an earlier replaced encryption pair (${AGENCY_PREVIOUS_ENCRYPTION_FILES.certificate}); nothing was written. ` +
        'Delete it only once agencies.yaml names the current encryption certificate and INBOX_TTL_SECONDS have passed since the hub took it, then issue again.',
    );
  }
  await rename(current.privateKey, previous.privateKey);
  await rename(current.certificate, previous.certificate);
  return previous;
}
