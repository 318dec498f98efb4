import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HubError } from '../errors.js';
import { createAgencyIdentifier, type AgencyIdentity, type IdentifyAgency } from '../http/index.js';
import { readCertificatesPem, thumbprintS256, type TrustStore } from '../pki/index.js';
import type { Registry } from '../registry/index.js';

/**
 * Ties certificates to partner agencies: who is on this TLS connection, which
 * agency signed this JWS (by `x5t#S256`), and which key a delivery to an
 * agency is encrypted to. Every certificate is checked by the pki trust store
 * (chain to the scheme CA, dates, key usage, revocation) on every use, so a
 * revocation takes effect on the next request.
 */
export interface AgencyDirectory {
  identify: IdentifyAgency;
  resolveSigner(thumbprint: string): Promise<{ publicKey: KeyObject; certificate: X509Certificate; agencyId: string }>;
  recipientKey(agencyId: string): { publicKey: KeyObject; kid: string };
}

export async function createAgencyDirectory(registry: Registry, trust: TrustStore): Promise<AgencyDirectory> {
  const byThumbprint = new Map<string, { certificate: X509Certificate; agencyId: string; intermediates: X509Certificate[] }>();
  const byAgency = new Map<string, X509Certificate>();
  for (const agency of registry.agencies) {
    if (agency.certificate.kind !== 'file') continue;
    const [certificate, ...intermediates] = readCertificatesPem(await readFile(agency.certificate.path, 'utf8'));
    if (!certificate) throw new HubError('CONFIG_INVALID', `agency ${agency.id}: certificate file holds no certificate`);
    byThumbprint.set(thumbprintS256(certificate), { certificate, agencyId: agency.id, intermediates });
    byAgency.set(agency.id, certificate);
  }

  const identifyByCertificate = createAgencyIdentifier({
    trustStore: trust,
    registry,
    isPinned: (agencyId, thumbprint) => {
      const pinned = registry.get(agencyId)?.certificate;
      return pinned?.kind !== 'thumbprint' || pinned.thumbprint === thumbprint;
    },
  });

  function agencyFor(verifiedAgencyId: string | undefined, thumbprint: string): string {
    const agency = verifiedAgencyId ? registry.get(verifiedAgencyId) : undefined;
    if (!agency) throw new HubError('AGENCY_UNKNOWN', 'the certificate names no partner agency of this protocol');
    // A pinned thumbprint admits that one certificate only.
    if (agency.certificate.kind === 'thumbprint' && agency.certificate.thumbprint !== thumbprint) {
      throw new HubError('AGENCY_UNKNOWN', 'the certificate is not the one pinned for this agency', { agencyId: agency.id });
    }
    return agency.id;
  }

  return {
    async identify(certificate, context): Promise<AgencyIdentity> {
      const identity = await identifyByCertificate(certificate, context);
      // Remember the certificate so agencies pinned by thumbprint can be answered and encrypted to.
      if (!byThumbprint.has(identity.thumbprint)) byThumbprint.set(identity.thumbprint, { certificate, agencyId: identity.agencyId, intermediates: [...context.chain] });
      if (!byAgency.has(identity.agencyId)) byAgency.set(identity.agencyId, certificate);
      return identity;
    },

    async resolveSigner(thumbprint) {
      const known = byThumbprint.get(thumbprint);
      if (!known) throw new HubError('JWS_SIGNER_UNKNOWN', 'the signing certificate is not known to the hub');
      const verified = trust.verify(known.certificate, { usage: 'signing', intermediates: known.intermediates });
      return { publicKey: known.certificate.publicKey, certificate: known.certificate, agencyId: agencyFor(verified.subject.agencyId, thumbprint) };
    },

    recipientKey(agencyId) {
      const certificate = byAgency.get(agencyId);
      if (!certificate) throw new HubError('RECIPIENT_UNKNOWN', 'no encryption certificate is known for this agency');
      trust.verify(certificate, { usage: 'encryption' });
      return { publicKey: certificate.publicKey, kid: thumbprintS256(certificate) };
    },
  };
}
