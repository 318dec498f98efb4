import type { X509Certificate } from 'node:crypto';
import { HubError } from '../errors.js';
import { keyAlgorithmOf, keyFamilyOf, type KeyAlgorithm, type KeyFamily } from './keys.js';
import { DEMONSTRATION_MARKER, kindFromSubjectUnit, type CertificateKind } from './oids.js';
import { thumbprintS256 } from './thumbprint.js';
import { x509 } from './x509-library.js';

/** RFC 5280 s.4.2.1.3 key usage bits by name. */
export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

/**
 * Everything the scheme reads from one certificate, parsed once. Node's
 * X509Certificate does not expose key usage bits, policies or dates as Date
 * objects on Node 20, so @peculiar/x509 reads the extensions here.
 */
export interface CertificateInfo {
  readonly thumbprint: string;
  /** Upper-case hexadecimal without leading zeros (see normaliseSerialNumber). */
  readonly serialNumber: string;
  readonly subject: { readonly commonName: string; readonly organisationalUnit?: string; readonly organisation?: string };
  /** RFC 4514 string forms, for people. */
  readonly subjectText: string;
  readonly issuerText: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  readonly pathLength: number | undefined;
  /** Undefined when the certificate has no keyUsage extension. */
  readonly keyUsage: readonly KeyUsageName[] | undefined;
  readonly extendedKeyUsage: readonly string[];
  readonly policies: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly keyAlgorithm: KeyAlgorithm | undefined;
  readonly keyFamily: KeyFamily | undefined;
  readonly kind: CertificateKind | undefined;
  readonly demonstration: boolean;
}

/** Serial numbers compare as upper-case hex with no separators or leading zeros. */
export function normaliseSerialNumber(serial: string): string {
  const compact = serial.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{1,64}$/.test(compact)) throw new HubError('BAD_REQUEST', 'serial number must be hexadecimal');
  return compact.replace(/^0+(?=.)/, '');
}

/**
 * asn1js (under @peculiar/x509) writes an OID arc too large for a JavaScript
 * number as "{hex}" of its base-128 groups; the UUID arc (X.667) that scheme
 * certificates issued before the policy OIDs were dropped carry is such an
 * arc. This turns it back into the decimal dotted form of X.660.
 */
export function canonicalOid(oid: string): string {
  return oid.replace(/\{([0-9a-f]+)\}/gi, (_whole, hex: string) => {
    let value = 0n;
    for (let index = 0; index < hex.length; index += 2) value = value * 128n + BigInt(parseInt(hex.slice(index, index + 2), 16) & 0x7f);
    return value.toString();
  });
}

export function describeCertificate(certificate: X509Certificate): CertificateInfo {
  let parsed: x509.X509Certificate;
  try {
    parsed = new x509.X509Certificate(certificate.raw);
  } catch {
    throw new HubError('CERT_MALFORMED', 'certificate extensions could not be parsed');
  }
  const basic = parsed.getExtension(x509.BasicConstraintsExtension);
  const usage = parsed.getExtension(x509.KeyUsagesExtension);
  const extended = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  const policies = (parsed.getExtension(x509.CertificatePolicyExtension)?.policies ?? []).map(canonicalOid);
  const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  const sanNames = san?.names.toJSON() ?? [];

  let keyAlgorithm: KeyAlgorithm | undefined;
  try {
    keyAlgorithm = keyAlgorithmOf(certificate.publicKey);
  } catch {
    keyAlgorithm = undefined;
  }
  const organisation = parsed.subjectName.getField('O')[0];
  const organisationalUnit = parsed.subjectName.getField('OU')[0];
  const issuerOrganisation = parsed.issuerName.getField('O')[0];
  const demonstration =
    (organisation ?? '').includes(DEMONSTRATION_MARKER) ||
    (issuerOrganisation ?? '').includes(DEMONSTRATION_MARKER);

  return Object.freeze({
    thumbprint: thumbprintS256(certificate),
    serialNumber: normaliseSerialNumber(certificate.serialNumber),
    subject: Object.freeze({
      commonName: parsed.subjectName.getField('CN')[0] ?? '',
      ...(organisationalUnit === undefined ? {} : { organisationalUnit }),
      ...(organisation === undefined ? {} : { organisation }),
    }),
    subjectText: parsed.subject,
    issuerText: parsed.issuer,
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    isCa: basic?.ca ?? false,
    pathLength: basic?.pathLength,
    keyUsage: usage ? KEY_USAGE_NAMES.filter((name) => (usage.usages & x509.KeyUsageFlags[name]) !== 0) : undefined,
    extendedKeyUsage: Object.freeze((extended?.usages ?? []).map(String)),
    policies: Object.freeze([...policies]),
    dnsNames: Object.freeze(sanNames.filter((name) => name.type === 'dns').map((name) => name.value)),
    ipAddresses: Object.freeze(sanNames.filter((name) => name.type === 'ip').map((name) => name.value)),
    keyAlgorithm,
    keyFamily: keyAlgorithm === undefined ? undefined : keyFamilyOf(keyAlgorithm),
    kind: kindFromSubjectUnit(organisationalUnit, basic?.ca ?? false),
    demonstration,
  });
}
