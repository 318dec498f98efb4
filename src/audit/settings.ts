import path from 'node:path';
import type { HubConfig } from '../config/index.js';

/** Where archive segments live: AUDIT_ARCHIVE_DIR, or `audit-archive` under DATA_DIR. */
export function auditArchiveDir(config: Pick<HubConfig, 'AUDIT_ARCHIVE_DIR' | 'DATA_DIR'>): string {
  return path.resolve(config.AUDIT_ARCHIVE_DIR ?? path.join(config.DATA_DIR, 'audit-archive'));
}

/** The hub signing certificate a verifier trusts by default: signing-cert.pem in HUB_CERT_DIR. */
export function hubSigningCertFile(config: Pick<HubConfig, 'HUB_CERT_DIR'>): string {
  return path.resolve(config.HUB_CERT_DIR, 'signing-cert.pem');
}
