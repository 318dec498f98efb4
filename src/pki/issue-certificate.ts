import { isIP } from 'node:net';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { HubError } from '../errors.js';
import { BACKDATE_MS, randomSerialNumber, type CertificateAuthority } from './certificate-authority.js';
import { normaliseSerialNumber } from './certificate-info.js';
import {
  DEFAULT_KEY_ALGORITHM,
  generateKeyPair,
  keyAlgorithmOf,
  keyFamilyOf,
  parseKeyAlgorithm,
  privateKeyToPem,
  signatureParametersFor,
  toWebCryptoSigningKey,
  type KeyAlgorithm,
  type KeyFamily,
} from './keys.js';
import { CERTIFICATE_KINDS, EKU_CLIENT_AUTH, EKU_SERVER_AUTH, type CertificateKind } from './oids.js';
import { certificateToPem } from './pem.js';
import { leafSubject, parseAgencyRole, parseIdentifier } from './subject.js';
import { thumbprintS256 } from './thumbprint.js';
import { x509, type SigningAlgorithm } from './x509-library.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_HUB_ID = 'isp-hub';
/** Every hub TLS certificate names the loopback host, so the embedded default works out of the box. */
const HUB_TLS_DNS = ['localhost'];
const HUB_TLS_IPS = ['127.0.0.1', '::1'];

const hostnameSchema = z
  .string()
  .max(253)
  .regex(/^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i);

const issueOptionsSchema = z.object({
  kind: z.enum(CERTIFICATE_KINDS),
  /** The agency id (agency) or the hub id (hub kinds; default isp-hub). */
  id: z.string().optional(),
  /** The agency's role from policies/agencies.yaml (agency only). */
  role: z.string().optional(),
  algorithm: z.string().optional(),
  /**
   * Agency only: an encryption certificate, beside the agency's main one
   * (always so for X25519). Its key may only receive JWEs: keyEncipherment
   * (RSA) or keyAgreement (EC), no digitalSignature and no TLS purposes, so
   * a key kept for decryption can neither sign messages nor log in.
   */
  encryptionOnly: z.boolean().default(false),
  /** Certify an existing public key instead of generating a key pair. */
  publicKey: z.custom<KeyObject>((value) => typeof value === 'object' && value !== null && 'asymmetricKeyType' in value).optional(),
  validityDays: z.number().int().min(1).max(36_500).default(1825),
  notBefore: z.date().optional(),
  notAfter: z.date().optional(),
  dnsNames: z.array(hostnameSchema).max(100).default([]),
  ipAddresses: z
    .array(z.string().refine((value) => isIP(value) !== 0))
    .max(100)
    .default([]),
});

export type IssueCertificateOptions = z.input<typeof issueOptionsSchema>;

export interface IssuedCertificate {
  readonly kind: CertificateKind;
  /** An agency's encryption certificate (see IssueCertificateOptions.encryptionOnly). */
  readonly encryptionOnly: boolean;
  readonly algorithm: KeyAlgorithm;
  readonly certificate: X509Certificate;
  readonly certificatePem: string;
  /** Absent when an existing public key was certified. */
  readonly privateKey: KeyObject | undefined;
  readonly privateKeyPem: string | undefined;
  /** The issuing CA's certificate: what a peer needs besides the leaf to build the chain. */
  readonly chainPem: string;
  readonly serialNumber: string;
  readonly thumbprint: string;
}

/**
 * Key usage per kind and key family (RFC 5280 s.4.2.1.3). An agency has ONE
 * key for JWS signing, JWE key agreement/decryption, and TLS as client (it
 * calls the hub) and server (it receives webhook pushes). EC keys agree keys
 * (ECDH-ES, RFC 7518 s.4.6) so they get keyAgreement; RSA keys receive
 * wrapped keys (RSA-OAEP) so they get keyEncipherment. Ed25519 cannot agree
 * keys and X25519 cannot sign, so with those an agency holds two certificates:
 * an Ed25519 one for signing and TLS, an X25519 one for encryption.
 */
function keyUsageFor(kind: CertificateKind, family: KeyFamily, encryptionOnly: boolean): number {
  const flags = x509.KeyUsageFlags;
  const unsupported = (why: string): never => {
    throw new HubError('CERT_KEY_UNSUPPORTED', why);
  };
  switch (kind) {
    case 'agency':
      if (encryptionOnly) {
        if (family === 'ed25519') return unsupported('Ed25519 keys cannot encrypt or agree keys; use RSA, P-256 or X25519');
        return family === 'rsa' ? flags.keyEncipherment : flags.keyAgreement;
      }
      if (family === 'ec') return flags.digitalSignature | flags.keyAgreement;
      if (family === 'rsa') return flags.digitalSignature | flags.keyEncipherment;
      if (family === 'ed25519') return flags.digitalSignature;
      return flags.keyAgreement;
    case 'hub-signing':
      if (family === 'x25519') return unsupported('X25519 keys cannot sign');
      return flags.digitalSignature;
    case 'hub-encryption':
      if (family === 'ed25519') return unsupported('Ed25519 keys cannot encrypt or agree keys; use X25519');
      return family === 'rsa' ? flags.keyEncipherment : flags.keyAgreement;
    case 'hub-tls':
      if (family === 'x25519') return unsupported('X25519 keys cannot authenticate a TLS peer');
      // digitalSignature is all TLS 1.3 and ECDHE suites need; keyEncipherment
      // keeps RSA key transport possible for old TLS 1.2 clients (RFC 5246 s.7.4.2).
      return family === 'rsa' ? flags.digitalSignature | flags.keyEncipherment : flags.digitalSignature;
  }
}

function extendedKeyUsageFor(kind: CertificateKind, family: KeyFamily, encryptionOnly: boolean): string[] {
  if (kind === 'hub-tls') return [EKU_SERVER_AUTH, EKU_CLIENT_AUTH];
  if (kind === 'agency' && family !== 'x25519' && !encryptionOnly) return [EKU_CLIENT_AUTH, EKU_SERVER_AUTH];
  return [];
}

/** Issues one certificate of the given kind, signed by the CA. */
export async function issueCertificate(ca: CertificateAuthority, options: IssueCertificateOptions): Promise<IssuedCertificate> {
  const parsed = issueOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? 'options';
    throw new HubError('BAD_REQUEST', `invalid certificate request (${field})`);
  }
  const request = parsed.data;
  const { kind } = request;
  const id = parseIdentifier(request.id ?? (kind === 'agency' ? undefined : DEFAULT_HUB_ID), kind === 'agency' ? 'agency id' : 'hub id');
  const role = kind === 'agency' ? parseAgencyRole(request.role) : undefined;

  let algorithm: KeyAlgorithm;
  let publicKey: KeyObject;
  let privateKey: KeyObject | undefined;
  if (request.publicKey) {
    if (request.publicKey.type !== 'public') throw new TypeError('publicKey must be a public KeyObject');
    algorithm = keyAlgorithmOf(request.publicKey);
    publicKey = request.publicKey;
  } else {
    algorithm = parseKeyAlgorithm(request.algorithm ?? DEFAULT_KEY_ALGORITHM);
    const keys = generateKeyPair(algorithm);
    publicKey = keys.publicKey;
    privateKey = keys.privateKey;
  }
  const family = keyFamilyOf(algorithm);
  if (request.encryptionOnly && kind !== 'agency') throw new HubError('BAD_REQUEST', 'only an agency certificate can be issued as an encryption certificate');
  const encryptionOnly = kind === 'agency' && (request.encryptionOnly || family === 'x25519');
  const keyUsage = keyUsageFor(kind, family, encryptionOnly);

  const notBefore = request.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const notAfter = request.notAfter ?? new Date(notBefore.getTime() + request.validityDays * DAY_MS);
  if (notAfter.getTime() <= notBefore.getTime()) throw new HubError('BAD_REQUEST', 'notAfter must be later than notBefore');

  const caParsed = new x509.X509Certificate(ca.certificate.raw);
  const caKeyId = caParsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const publicKeyDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));

  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKeyDer),
    caKeyId ? new x509.AuthorityKeyIdentifierExtension(caKeyId) : await x509.AuthorityKeyIdentifierExtension.create(new Uint8Array(ca.certificate.publicKey.export({ type: 'spki', format: 'der' }))),
  ];
  const eku = extendedKeyUsageFor(kind, family, encryptionOnly);
  if (eku.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(eku));

  const dnsNames = kind === 'hub-tls' ? [...new Set([...HUB_TLS_DNS, ...request.dnsNames])] : request.dnsNames;
  const ipAddresses = kind === 'hub-tls' ? [...new Set([...HUB_TLS_IPS, ...request.ipAddresses])] : request.ipAddresses;
  if (dnsNames.length + ipAddresses.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }

  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: leafSubject(kind, id, role, ca.organisation),
    issuer: caParsed.subjectName,
    notBefore,
    notAfter,
    publicKey: publicKeyDer,
    signingKey: await toWebCryptoSigningKey(ca.privateKey, ca.algorithm),
    signingAlgorithm: signatureParametersFor(ca.algorithm).signingAlgorithm as SigningAlgorithm,
    extensions,
  });
  const certificate = new X509Certificate(Buffer.from(generated.rawData));
  return Object.freeze({
    kind,
    encryptionOnly,
    algorithm,
    certificate,
    certificatePem: certificateToPem(certificate),
    privateKey,
    privateKeyPem: privateKey ? privateKeyToPem(privateKey) : undefined,
    chainPem: ca.certificatePem,
    serialNumber: normaliseSerialNumber(certificate.serialNumber),
    thumbprint: thumbprintS256(certificate),
  });
}
