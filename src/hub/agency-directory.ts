import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HubError } from '../errors.js';
import { createAgencyIdentifier, type AgencyIdentity, type IdentifyAgency } from '../http/index.js';
import { readCertificatesPem, thumbprintS256, type TrustStore } from '../pki/index.js';
import type { CertificateRef, Registry } from '../registry/index.js';

/**
 * Ties certificates to partner agencies: who is on this TLS connection, which
 * agency signed this JWS (by `x5t#S256`), and which key a delivery to an
 * agency is encrypted to: its `encryptionCertificate` when agencies.yaml names
 * one (an X25519 key, say), else its one certificate. Every certificate is
 * checked by the pki trust store (chain to the scheme CA, dates, key usage,
 * revocation) on every use, kept-alive connections included, so a revocation
 * takes effect on the next request once the list is re-read (create-hub.ts
 * re-reads it every 5 s).
 */
export interface AgencyDirectory {
  identify: IdentifyAgency;
  resolveSigner(thumbprint: string): Promise<{ publicKey: KeyObject; certificate: X509Certificate; agencyId: string }>;
  recipientKey(agencyId: string): { publicKey: KeyObject; kid: string };
}

/** A leaf and the intermediates that came with it (a PEM file's later blocks, or a TLS peer's chain). */
interface ChainedCertificate {
  certificate: X509Certificate;
  intermediates: X509Certificate[];
}

export async function createAgencyDirectory(registry: Registry, trust: TrustStore): Promise<AgencyDirectory> {
  const byThumbprint = new Map<string, { certificate: X509Certificate; agencyId: string; intermediates: X509Certificate[] }>();
  const byAgency = new Map<string, ChainedCertificate>();
  const encryptionByAgency = await readEncryptionCertificates(registry, trust);
  const encryptionThumbprints = new Set([...encryptionByAgency.values()].map((chained) => thumbprintS256(chained.certificate)));
  for (const agency of registry.agencies) {
    if (agency.certificate.kind !== 'file') continue;
    const [certificate, ...intermediates] = await readCertificateFile(agency.id, 'certificate', agency.certificate.path);
    byThumbprint.set(thumbprintS256(certificate), { certificate, agencyId: agency.id, intermediates });
    byAgency.set(agency.id, { certificate, intermediates });
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
      if (!byAgency.has(identity.agencyId)) byAgency.set(identity.agencyId, { certificate, intermediates: [...context.chain] });
      return identity;
    },

    async resolveSigner(thumbprint) {
      const known = byThumbprint.get(thumbprint);
      if (!known) {
        // An encryption certificate is known but cannot sign; saying so spares the sender a search.
        if (encryptionThumbprints.has(thumbprint)) {
          throw new HubError('JWS_SIGNER_UNKNOWN', "the JWS names an agency's encryption certificate, which cannot sign: name the agency certificate", {
            received: thumbprint,
            reason: 'encryption-certificate',
          });
        }
        throw new HubError('JWS_SIGNER_UNKNOWN', 'the JWS names a certificate the hub does not know', { received: thumbprint, reason: 'unknown-certificate' });
      }
      const verified = trust.verify(known.certificate, { usage: 'signing', intermediates: known.intermediates });
      return { publicKey: known.certificate.publicKey, certificate: known.certificate, agencyId: agencyFor(verified.subject.agencyId, thumbprint) };
    },

    recipientKey(agencyId) {
      const known = encryptionByAgency.get(agencyId) ?? byAgency.get(agencyId);
      if (!known) throw new HubError('RECIPIENT_UNKNOWN', 'no encryption certificate is known for this agency');
      const { certificate, intermediates } = known;
      const verified = trust.verify(certificate, { usage: 'encryption', intermediates });
      // A mixed-up file in agencies.yaml must not send one agency's deliveries to another's key.
      if (verified.subject.agencyId !== agencyId) throw new HubError('AGENCY_UNKNOWN', 'the encryption certificate names another agency', { agencyId });
      return { publicKey: certificate.publicKey, kid: verified.thumbprint };
    },
  };
}

/**
 * The separate encryption certificates agencies.yaml names, by agency id.
 * Only files: the hub learns a thumbprint-pinned certificate from the TLS
 * connection that presents it, and an encryption-only key (X25519:
 * keyAgreement, no signature) can never authenticate a TLS peer, so a pinned
 * encryption certificate would never arrive. It is refused at load.
 */
async function readEncryptionCertificates(registry: Registry, trust: TrustStore): Promise<Map<string, ChainedCertificate>> {
  const byAgency = new Map<string, ChainedCertificate>();
  for (const agency of registry.agencies) {
    const ref = agency.encryptionCertificate;
    if (sameRef(ref, agency.certificate)) continue;
    if (ref.kind === 'thumbprint') {
      throw new HubError('CONFIG_INVALID', `agency ${agency.id}: encryptionCertificate must be a path to a PEM file, not a sha256: thumbprint (the hub cannot obtain an encryption-only certificate from a connection)`, { agencyId: agency.id });
    }
    const [certificate, ...intermediates] = await readCertificateFile(agency.id, 'encryptionCertificate', ref.path);
    assertUsableForEncryption(trust, agency.id, ref.path, { certificate, intermediates });
    byAgency.set(agency.id, { certificate, intermediates });
  }
  return byAgency;
}

/**
 * Checked when the set loads, so a mixed-up, expired or wrong-usage file is
 * refused with the policy set (which then does not come into force) rather
 * than failing every delivery to that agency later. recipientKey checks again
 * on every use, for revocation and expiry since.
 */
function assertUsableForEncryption(trust: TrustStore, agencyId: string, file: string, chained: ChainedCertificate): void {
  let named: string | undefined;
  try {
    named = trust.verify(chained.certificate, { usage: 'encryption', intermediates: chained.intermediates }).subject.agencyId;
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    throw new HubError('CONFIG_INVALID', `agency ${agencyId}: the encryptionCertificate file ${file} is not usable (${error.code})`, { agencyId });
  }
  if (named !== agencyId) throw new HubError('CONFIG_INVALID', `agency ${agencyId}: the encryptionCertificate file ${file} names another agency`, { agencyId });
}

function sameRef(a: CertificateRef, b: CertificateRef): boolean {
  return a.kind === 'file' ? b.kind === 'file' && a.path === b.path : b.kind === 'thumbprint' && a.thumbprint === b.thumbprint;
}

/** The certificate (and any intermediates after it) in one PEM file that agencies.yaml names. */
async function readCertificateFile(agencyId: string, field: string, file: string): Promise<[X509Certificate, ...X509Certificate[]]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new HubError('CONFIG_INVALID', `agency ${agencyId}: cannot read the ${field} file ${file} (${reason})`, { agencyId });
  }
  const [certificate, ...intermediates] = readPemOrNothing(text);
  if (!certificate) throw new HubError('CONFIG_INVALID', `agency ${agencyId}: the ${field} file ${file} holds no readable certificate`, { agencyId });
  return [certificate, ...intermediates];
}

function readPemOrNothing(text: string): X509Certificate[] {
  try {
    return readCertificatesPem(text);
  } catch (error) {
    if (error instanceof HubError) return [];
    throw error;
  }
}
