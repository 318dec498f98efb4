import { X509Certificate } from 'node:crypto';
import { HubError } from '../errors.js';
import { describeCertificate, type CertificateInfo } from './certificate-info.js';
import { EKU_CLIENT_AUTH, EKU_SERVER_AUTH, type CertificateKind } from './oids.js';
import { parseCertificateDer, readCertificatePem } from './pem.js';
import type { RevocationChecker } from './revocation-list.js';
import { thumbprintS256 } from './thumbprint.js';

export type CertificateUsage = 'signing' | 'encryption' | 'tls-client' | 'tls-server';

export interface VerifyOptions {
  usage: CertificateUsage;
  /** The instant at which validity is judged; now when absent. */
  at?: Date;
  /** Intermediate CA certificates the peer sent along with its leaf. */
  intermediates?: readonly X509Certificate[];
}

export interface VerifiedCertificate {
  readonly certificate: X509Certificate;
  readonly thumbprint: string;
  readonly serialNumber: string;
  readonly subject: { readonly agencyId?: string; readonly role?: string; readonly commonName: string };
  readonly kind: CertificateKind | undefined;
  readonly demonstration: boolean;
  readonly notAfter: Date;
}

export interface TrustStore {
  verify(certificate: X509Certificate | Buffer | string, options: VerifyOptions): VerifiedCertificate;
  readonly caCertificates: readonly X509Certificate[];
}

export interface TrustStoreOptions {
  caCertificates: readonly X509Certificate[];
  revocations?: RevocationChecker;
  /** Set when NODE_ENV=production: anything chained to a demonstration CA is refused. */
  refuseDemonstration?: boolean;
  /** How many verified chains to remember (the static part of the checks). */
  cacheSize?: number;
}

/** Longest chain accepted, counting leaf and anchor: a scheme needs a root and perhaps one issuing CA. */
const MAX_CHAIN_LENGTH = 5;

interface VerifiedChain {
  /** Leaf first, trust anchor last. */
  readonly chain: readonly CertificateInfo[];
  readonly demonstration: boolean;
  readonly result: Omit<VerifiedCertificate, 'certificate'>;
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  // Names first (cheap), then the signature. Node's checkIssued is not used:
  // it folds the issuer's keyCertSign bit into the answer, and the scheme wants
  // "signed by a non-CA" reported as CERT_NOT_CA, not as an unknown issuer.
  if (child.issuer !== issuer.subject) return false;
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false; // e.g. an X25519 key, which cannot have signed anything
  }
}

/** RFC 5280 s.4.2.1.9 and s.4.2.1.3: an issuer must be a CA allowed to sign certificates. */
function assertCanIssue(info: CertificateInfo, belowIt: number): void {
  if (!info.isCa) throw new HubError('CERT_NOT_CA', 'an issuer in the chain is not a CA certificate');
  if (info.keyUsage !== undefined && !info.keyUsage.includes('keyCertSign')) {
    throw new HubError('CERT_NOT_CA', 'an issuer in the chain may not sign certificates');
  }
  if (info.pathLength !== undefined && belowIt > info.pathLength) {
    throw new HubError('CERT_NOT_CA', 'the chain is longer than an issuer allows');
  }
}

function assertUsage(leaf: CertificateInfo, usage: CertificateUsage): void {
  const bits = leaf.keyUsage;
  // Scheme certificates always carry keyUsage; one without it was not made for us.
  if (bits === undefined) throw new HubError('CERT_KEY_USAGE', 'certificate has no key usage extension');
  const refuse = (): never => {
    throw new HubError('CERT_KEY_USAGE', `certificate is not for ${usage}`, { usage });
  };
  switch (usage) {
    case 'signing':
      if (!bits.includes('digitalSignature')) refuse();
      return;
    case 'encryption':
      // ECDH-ES (RFC 7518 s.4.6) needs keyAgreement; RSA-OAEP key transport needs keyEncipherment.
      if (leaf.keyFamily === 'rsa' ? !bits.includes('keyEncipherment') : !bits.includes('keyAgreement')) refuse();
      if (leaf.keyFamily === 'ed25519' || leaf.keyFamily === undefined) refuse();
      return;
    case 'tls-client':
    case 'tls-server': {
      // RFC 5280 s.4.2.1.12 lets a missing EKU mean "any purpose"; the scheme
      // CA always writes one on TLS certificates, so here a missing EKU means
      // "not for TLS" and a signing-only key cannot log in as an agency.
      const purpose = usage === 'tls-client' ? EKU_CLIENT_AUTH : EKU_SERVER_AUTH;
      if (!bits.includes('digitalSignature') || !leaf.extendedKeyUsage.includes(purpose)) refuse();
      return;
    }
  }
}

function toCertificate(input: X509Certificate | Buffer | string): X509Certificate {
  if (input instanceof X509Certificate) return input;
  if (Buffer.isBuffer(input)) return parseCertificateDer(input);
  if (typeof input === 'string') return readCertificatePem(input);
  throw new HubError('CERT_MALFORMED', 'not a certificate');
}

/**
 * A set of trusted scheme CAs with the checks Node's X509Certificate does not
 * make: chain, CA flags, validity dates, key usage, demonstration CAs and
 * revocation. The static part (chain building, signatures, extension parsing)
 * is remembered per leaf thumbprint; dates and revocation are checked on every
 * call, because they change while the certificate does not.
 */
export function createTrustStore(options: TrustStoreOptions): TrustStore {
  if (options.caCertificates.length === 0) throw new TypeError('a trust store needs at least one CA certificate');
  const anchors = options.caCertificates.map((certificate) => {
    const info = describeCertificate(certificate);
    assertCanIssue(info, 0);
    return { certificate, info };
  });
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, VerifiedChain>();
  const infoCache = new Map<string, CertificateInfo>();

  const infoOf = (certificate: X509Certificate): CertificateInfo => {
    const thumbprint = thumbprintS256(certificate);
    let info = infoCache.get(thumbprint);
    if (!info) {
      info = describeCertificate(certificate);
      if (infoCache.size >= cacheSize) infoCache.delete(infoCache.keys().next().value as string);
      infoCache.set(thumbprint, info);
    }
    return info;
  };

  const buildChain = (leaf: X509Certificate, intermediates: readonly X509Certificate[]): VerifiedChain => {
    const chain: CertificateInfo[] = [infoOf(leaf)];
    let current = leaf;
    for (;;) {
      const anchor = anchors.find((candidate) => issuedBy(current, candidate.certificate));
      if (anchor) {
        assertCanIssue(anchor.info, chain.length - 1);
        // A trust anchor that signed itself as the "leaf" still ends the chain at itself.
        if (anchor.info.thumbprint !== chain[chain.length - 1]?.thumbprint) chain.push(anchor.info);
        break;
      }
      if (chain.length >= MAX_CHAIN_LENGTH) throw new HubError('CERT_UNTRUSTED_ISSUER', 'no trusted CA within the chain length limit');
      const next = intermediates.find((candidate) => issuedBy(current, candidate) && candidate !== current);
      if (!next) throw new HubError('CERT_UNTRUSTED_ISSUER', 'certificate was not issued by a trusted CA');
      const nextInfo = infoOf(next);
      assertCanIssue(nextInfo, chain.length - 1);
      chain.push(nextInfo);
      current = next;
    }
    const leafInfo = chain[0] as CertificateInfo;
    const demonstration = chain.some((info) => info.demonstration);
    const isAgency = leafInfo.kind === 'agency';
    return {
      chain,
      demonstration,
      result: Object.freeze({
        thumbprint: leafInfo.thumbprint,
        serialNumber: leafInfo.serialNumber,
        subject: Object.freeze({
          commonName: leafInfo.subject.commonName,
          ...(isAgency ? { agencyId: leafInfo.subject.commonName } : {}),
          ...(isAgency && leafInfo.subject.organisationalUnit !== undefined ? { role: leafInfo.subject.organisationalUnit } : {}),
        }),
        kind: leafInfo.kind,
        demonstration,
        notAfter: leafInfo.notAfter,
      }),
    };
  };

  return {
    caCertificates: Object.freeze(anchors.map((anchor) => anchor.certificate)),
    verify(input, verifyOptions) {
      const certificate = toCertificate(input);
      const intermediates = verifyOptions.intermediates ?? [];
      const key =
        intermediates.length === 0
          ? thumbprintS256(certificate)
          : [certificate, ...intermediates].map((item) => thumbprintS256(item)).join('.');
      let verified = cache.get(key);
      if (!verified) {
        verified = buildChain(certificate, intermediates);
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
        cache.set(key, verified);
      }

      if (verified.demonstration && options.refuseDemonstration) {
        throw new HubError('CERT_DEMO_IN_PRODUCTION', 'certificates of the demonstration CA are refused in production');
      }
      // RFC 5280 s.6.1.3 (a)(2): every certificate in the path must be within its validity period.
      const at = (verifyOptions.at ?? new Date()).getTime();
      for (const info of verified.chain) {
        if (at < info.notBefore.getTime()) throw new HubError('CERT_NOT_YET_VALID', 'a certificate in the chain is not yet valid');
        if (at > info.notAfter.getTime()) throw new HubError('CERT_EXPIRED', 'a certificate in the chain has expired');
      }
      // Revocation is looked up on every call, never cached: it can change at any moment.
      if (options.revocations) {
        for (const info of verified.chain) {
          if (options.revocations.isRevoked(info.serialNumber)) throw new HubError('CERT_REVOKED', 'a certificate in the chain has been revoked');
        }
      }
      assertUsage(verified.chain[0] as CertificateInfo, verifyOptions.usage);
      return { certificate, ...verified.result };
    },
  };
}
