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
   * encryption-key.pem (the certs-example layout, see agency-files.ts).
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
  const encryption = await readEncryptionPair(files.agencyDir);
  const caPem = await readFile(files.caCertFile, 'utf8');
  const revocations = files.revocationsFile ? await openRevocationList(files.revocationsFile) : undefined;
  const trust = createTrustStore({ caCertificates: readCertificatesPem(caPem), ...(revocations ? { revocations } : {}) });
  const options: AgencyClientOptions = {
    hubUrl: files.hubUrl,
    agencyId: files.agencyId,
    privateKeyPem: await read(AGENCY_FILES.privateKey),
    certificatePem: await read(AGENCY_FILES.certificate),
    ...(encryption ? { encryption } : {}),
    caPem,
    checkHubCertificate: (certificate, usage, chain) => {
      trust.verify(certificate, { usage, intermediates: chain });
    },
    ...(files.hubId ? { hubId: files.hubId } : {}),
    ...(files.lifetimeSeconds ? { lifetimeSeconds: files.lifetimeSeconds } : {}),
  };
  return new AgencyClient(options);
}

/** The folder's encryption pair: both files, or neither (the main key then decrypts too). */
async function readEncryptionPair(agencyDir: string): Promise<EncryptionKeyPair | undefined> {
  const [privateKeyPem, certificatePem] = await Promise.all([
    readIfPresent(path.join(agencyDir, AGENCY_FILES.encryptionPrivateKey)),
    readIfPresent(path.join(agencyDir, AGENCY_FILES.encryptionCertificate)),
  ]);
  if (privateKeyPem !== undefined && certificatePem !== undefined) return { privateKeyPem, certificatePem };
  if (privateKeyPem === undefined && certificatePem === undefined) return undefined;
  const [present, missing] =
    privateKeyPem === undefined
      ? [AGENCY_FILES.encryptionCertificate, AGENCY_FILES.encryptionPrivateKey]
      : [AGENCY_FILES.encryptionPrivateKey, AGENCY_FILES.encryptionCertificate];
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
