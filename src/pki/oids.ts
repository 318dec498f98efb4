/**
 * Object identifiers the scheme writes into its certificates.
 *
 * The scheme's own arc is a UUID-derived OID under 2.25 (ITU-T X.667 /
 * RFC 4122 s.4 allow anyone to mint one without registration), so it can never
 * collide with a registered enterprise arc. Sub-arcs below it are ours to
 * allocate:
 *   .1      demonstration-only policy (written into the demonstration CA and
 *           every certificate it issues, RFC 5280 s.4.2.1.4)
 *   .2.N    the kind of certificate, so a verifier can tell an agency from
 *           the hub without guessing from the subject
 */
export const SCHEME_ARC = '2.25.259830928527822648890931628028576849316';

export const DEMONSTRATION_POLICY_OID = `${SCHEME_ARC}.1`;

export const CERTIFICATE_KINDS = ['agency', 'hub-signing', 'hub-encryption', 'hub-tls'] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];

export const KIND_POLICY_OIDS: Readonly<Record<CertificateKind, string>> = Object.freeze({
  agency: `${SCHEME_ARC}.2.1`,
  'hub-signing': `${SCHEME_ARC}.2.2`,
  'hub-encryption': `${SCHEME_ARC}.2.3`,
  'hub-tls': `${SCHEME_ARC}.2.4`,
});

export function kindFromPolicyOids(policies: readonly string[]): CertificateKind | undefined {
  for (const kind of CERTIFICATE_KINDS) {
    if (policies.includes(KIND_POLICY_OIDS[kind])) return kind;
  }
  return undefined;
}

/** The marker in the subject O of every demonstration certificate, readable by people. */
export const DEMONSTRATION_MARKER = 'DEMONSTRATION ONLY';

/** RFC 5280 s.4.2.1.12 extended key purposes. */
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
