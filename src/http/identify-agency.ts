import type { X509Certificate } from 'node:crypto';
import { HubError, isHubError, type HubErrorCode } from '../errors.js';
import type { IdentifyAgency } from './types.js';

/** The part of pki's TrustStore this needs (`createTrustStore` satisfies it). */
export interface TlsClientVerifier {
  verify(
    certificate: X509Certificate,
    options: { usage: 'tls-client'; intermediates?: readonly X509Certificate[] },
  ): { thumbprint: string; subject: { agencyId?: string; commonName: string } };
}

/** The part of the registry this needs (`loadRegistry` satisfies it). */
export interface AgencyDirectory {
  get(id: string): { id: string; role: string } | undefined;
}

/**
 * Refusals that happen only after the chain to a scheme CA was verified: the
 * certificate's agency was named by the CA, so the refusal can be audited
 * against it. For any other refusal (unknown issuer, not a CA, demonstration
 * CA in production, whose key is public) the name is only the caller's claim.
 */
const REFUSALS_AFTER_CHAIN: ReadonlySet<HubErrorCode> = new Set(['CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_KEY_USAGE']);

/**
 * The usual identify(): the pki trust store checks chain, dates, revocation
 * and TLS-client usage; the registry says whether the agency named in the
 * certificate (CN, see docs/pki.md) takes part in the ISP and with which role.
 * `isPinned`, when given, must accept the thumbprint (agencies.yaml may pin a
 * certificate by `sha256:` thumbprint).
 */
export function createAgencyIdentifier(deps: {
  trustStore: TlsClientVerifier;
  registry: AgencyDirectory;
  isPinned?: (agencyId: string, thumbprint: string) => boolean;
}): IdentifyAgency {
  return (certificate, context) => {
    let verified: ReturnType<TlsClientVerifier['verify']>;
    try {
      verified = deps.trustStore.verify(certificate, { usage: 'tls-client', intermediates: context.chain });
    } catch (error) {
      if (isHubError(error) && REFUSALS_AFTER_CHAIN.has(error.code)) {
        const claimed = commonNameOf(certificate);
        if (claimed && deps.registry.get(claimed)) throw new HubError(error.code, error.message, { ...error.details, agencyId: claimed });
      }
      throw error;
    }
    const agency = verified.subject.agencyId ? deps.registry.get(verified.subject.agencyId) : undefined;
    if (!agency) throw new HubError('AGENCY_UNKNOWN', 'the certificate names no agency of this ISP');
    if (deps.isPinned && !deps.isPinned(agency.id, verified.thumbprint)) {
      throw new HubError('AGENCY_UNKNOWN', 'the certificate is not the one registered for its agency', { agencyId: agency.id });
    }
    return { agencyId: agency.id, role: agency.role, thumbprint: verified.thumbprint };
  };
}

function commonNameOf(certificate: X509Certificate): string | undefined {
  // Node prints the subject one attribute per line ("CN=nv-police\nOU=police...").
  return /^CN=([a-z0-9][a-z0-9-]{0,62})$/m.exec(certificate.subject)?.[1];
}
