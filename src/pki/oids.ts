/**
 * Object identifiers the scheme writes into its certificates, and how a
 * certificate's kind is told.
 *
 * Scheme certificates carry no certificate policies extension. They used to
 * carry policy OIDs under a UUID arc (2.25.<128-bit number>, ITU-T X.667), and
 * parsers that hold each arc in a 64-bit integer cannot read such an OID:
 * Debian 12's python3-cryptography (38) refuses every extension of the
 * certificate, and Go's crypto/x509 before 1.22 the whole certificate, TLS
 * handshake included. A registered enterprise arc would avoid that, but the
 * scheme has none, and nothing needs a policy OID: the kind is in the subject
 * OU (subject.ts) and "demonstration only" in the subject O, both written by
 * the CA from its own profile, never copied from a request.
 */
export const CERTIFICATE_KINDS = ['agency', 'hub-signing', 'hub-encryption', 'hub-tls'] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];

/** The kinds whose subject OU is the kind itself; an agency's OU is its role, which may never be one of these. */
export const HUB_CERTIFICATE_KINDS = ['hub-signing', 'hub-encryption', 'hub-tls'] as const satisfies readonly CertificateKind[];

/**
 * The kind of a scheme leaf certificate from its subject OU: a hub kind names
 * itself, anything else is an agency's role. Undefined for a CA or a
 * certificate without OU (not one the scheme CA issued to a party).
 */
export function kindFromSubjectUnit(organisationalUnit: string | undefined, isCa: boolean): CertificateKind | undefined {
  if (isCa || organisationalUnit === undefined || organisationalUnit.length === 0) return undefined;
  return (HUB_CERTIFICATE_KINDS as readonly string[]).includes(organisationalUnit) ? (organisationalUnit as CertificateKind) : 'agency';
}

/** The marker in the subject O of every demonstration certificate, readable by people and by the trust store. */
export const DEMONSTRATION_MARKER = 'DEMONSTRATION ONLY';

/** RFC 5280 s.4.2.1.12 extended key purposes. */
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
