import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTrustStore, openRevocationList, readCertificatesPem } from '../pki/index.js';
import { AgencyClient, type AgencyClientOptions } from './agency-client.js';

export interface AgencyFiles {
  hubUrl: string;
  agencyId: string;
  /** Folder with the agency's cert.pem, key.pem and chain.pem (the certs-example layout). */
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
  const caPem = await readFile(files.caCertFile, 'utf8');
  const revocations = files.revocationsFile ? await openRevocationList(files.revocationsFile) : undefined;
  const trust = createTrustStore({ caCertificates: readCertificatesPem(caPem), ...(revocations ? { revocations } : {}) });
  const options: AgencyClientOptions = {
    hubUrl: files.hubUrl,
    agencyId: files.agencyId,
    privateKeyPem: await read('key.pem'),
    certificatePem: await read('cert.pem'),
    caPem,
    checkHubCertificate: (certificate, usage, chain) => {
      trust.verify(certificate, { usage, intermediates: chain });
    },
    ...(files.hubId ? { hubId: files.hubId } : {}),
    ...(files.lifetimeSeconds ? { lifetimeSeconds: files.lifetimeSeconds } : {}),
  };
  return new AgencyClient(options);
}
