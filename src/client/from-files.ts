import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import { createTrustStore, openRevocationList, readCertificatesPem } from '../pki/index.js';
import { AgencyClient, type AgencyClientOptions } from './agency-client.js';
import { AGENCY_FILES } from './agency-files.js';
import type { EncryptionKeyPair } from './decryption-keys.js';

export interface AgencyFiles {
  hubUrl: string;
  agencyId: string;
  /**
   * Folder with the agency's cert.pem, key.pem and chain.pem, and, when the
   * agency has a separate encryption certificate, encryption-cert.pem and
   * encryption-key.pem, and the pair those replaced, if kept, as
   * encryption-cert.previous.pem and encryption-key.previous.pem (the
   * certs-example layout, see agency-files.ts).
   */
  agencyDir: string;
  /** The scheme CA certificate. */
  caCertFile: string;
  /** The scheme's revocation list, when the agency keeps a copy. */
  revocationsFile?: string;
  hubId?: string;
  lifetimeSeconds?: number;
}

/**
 * Builds an AgencyClient from files laid out as certs-example/ lays them out,
 * with the hub's published keys checked against the scheme CA by src/pki.
 */
export async function createAgencyClientFromFiles(files: AgencyFiles): Promise<AgencyClient> {
  const read = (name: string) => readFile(path.join(files.agencyDir, name), 'utf8');
  const encryption = await readEncryptionPair(files.agencyDir, AGENCY_FILES.encryptionCertificate, AGENCY_FILES.encryptionPrivateKey);
  const previous = await readEncryptionPair(files.agencyDir, AGENCY_FILES.previousEncryptionCertificate, AGENCY_FILES.previousEncryptionPrivateKey);
  const caPem = await readFile(files.caCertFile, 'utf8');
  const revocations = files.revocationsFile ? await openRevocationList(files.revocationsFile) : undefined;
  const trust = createTrustStore({ caCertificates: readCertificatesPem(caPem), ...(revocations ? { revocations } : {}) });
  const options: AgencyClientOptions = {
    hubUrl: files.hubUrl,
    agencyId: files.agencyId,
    privateKeyPem: await read(AGENCY_FILES.privateKey),
    certificatePem: await read(AGENCY_FILES.certificate),
    ...(encryption ? { encryption } : {}),
    ...(previous ? { previousEncryption: [previous] } : {}),
    caPem,
    checkHubCertificate: (certificate, usage, chain) => {
      trust.verify(certificate, { usage, intermediates: chain });
    },
    ...(files.hubId ? { hubId: files.hubId } : {}),
    ...(files.lifetimeSeconds ? { lifetimeSeconds: files.lifetimeSeconds } : {}),
  };
  return new AgencyClient(options);
}

/** One encryption pair of the folder: both files, or neither (then undefined). */
async function readEncryptionPair(agencyDir: string, certificateName: string, privateKeyName: string): Promise<EncryptionKeyPair | undefined> {
  const [privateKeyPem, certificatePem] = await Promise.all([readIfPresent(path.join(agencyDir, privateKeyName)), readIfPresent(path.join(agencyDir, certificateName))]);
  if (privateKeyPem !== undefined && certificatePem !== undefined) return { privateKeyPem, certificatePem };
  if (privateKeyPem === undefined && certificatePem === undefined) return undefined;
  const [present, missing] = privateKeyPem === undefined ? [certificateName, privateKeyName] : [privateKeyName, certificateName];
  throw new HubError('CONFIG_INVALID', `${agencyDir} has ${present} but no ${missing}; an encryption pair needs both`);
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
