import { randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { HubError } from '../errors.js';
import { describeCertificate } from './certificate-info.js';
import {
  DEFAULT_KEY_ALGORITHM,
  generateKeyPair,
  keyAlgorithmOf,
  keyBelongsTo,
  parseKeyAlgorithm,
  privateKeyToPem,
  readPrivateKeyPem,
  signatureParametersFor,
  toWebCryptoSigningKey,
  type KeyAlgorithm,
} from './keys.js';
import { DEMONSTRATION_MARKER } from './oids.js';
import { certificateToPem, readCertificatePem } from './pem.js';
import { caSubject, parseDisplayName } from './subject.js';
import { x509, type SigningAlgorithm } from './x509-library.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Back-date notBefore a little so that a peer whose clock runs slow accepts a fresh certificate. */
export const BACKDATE_MS = 5 * 60 * 1000;

export interface CertificateAuthority {
  readonly certificate: X509Certificate;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
  readonly algorithm: KeyAlgorithm;
  readonly name: string;
  /** The subject O, which every certificate it issues repeats. */
  readonly organisation: string;
  readonly demonstration: boolean;
}

const createOptionsSchema = z.object({
  name: z.string(),
  organisation: z.string().optional(),
  validityDays: z.number().int().min(1).max(36_500).default(3650),
  algorithm: z.string().default(DEFAULT_KEY_ALGORITHM),
  demonstration: z.boolean().default(false),
  notBefore: z.date().optional(),
});

export type CreateCertificateAuthorityOptions = z.input<typeof createOptionsSchema>;

/**
 * A positive 128-bit serial (RFC 5280 s.4.1.2.2: at most 20 octets, positive;
 * CA/B Forum asks for 64+ bits of randomness). The top nibble is fixed to 1-7 so
 * the DER integer needs no leading zero and the hex form has a stable length.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x6f) | 0x10;
  return bytes.toString('hex').toUpperCase();
}

/**
 * Creates a self-signed scheme CA. A demonstration CA carries "DEMONSTRATION
 * ONLY" in its subject O, which everything it issues repeats, so a trust
 * store in production can refuse the lot.
 */
export async function createCertificateAuthority(options: CreateCertificateAuthorityOptions): Promise<CertificateAuthority> {
  const parsed = createOptionsSchema.safeParse(options);
  if (!parsed.success) throw new HubError('BAD_REQUEST', 'invalid certificate authority options');
  const { validityDays, demonstration } = parsed.data;
  const name = parseDisplayName(parsed.data.name, 'CA name');
  const algorithm = parseKeyAlgorithm(parsed.data.algorithm);
  signatureParametersFor(algorithm); // refuses X25519: a CA must sign
  const baseOrganisation = parseDisplayName(parsed.data.organisation ?? name, 'organisation');
  const organisation =
    demonstration && !baseOrganisation.includes(DEMONSTRATION_MARKER)
      ? `${baseOrganisation} - ${DEMONSTRATION_MARKER}`
      : baseOrganisation;

  const keys = generateKeyPair(algorithm);
  const signingKey = await toWebCryptoSigningKey(keys.privateKey, algorithm);
  const publicKeyDer = keys.publicKey.export({ type: 'spki', format: 'der' });
  const notBefore = parsed.data.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const subject = caSubject(name, organisation);

  const extensions: x509.Extension[] = [
    // RFC 5280 s.4.2.1.9: cA=true, critical. No pathLenConstraint: the scheme
    // may later add an issuing CA below this root.
    new x509.BasicConstraintsExtension(true, undefined, true),
    // RFC 5280 s.4.2.1.3: a CA key signs certificates and CRLs, nothing else.
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(new Uint8Array(publicKeyDer)),
  ];

  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + validityDays * DAY_MS),
    publicKey: new Uint8Array(publicKeyDer),
    signingKey,
    signingAlgorithm: signatureParametersFor(algorithm).signingAlgorithm as SigningAlgorithm,
    extensions,
  });
  const certificate = new X509Certificate(Buffer.from(generated.rawData));
  return Object.freeze({
    certificate,
    certificatePem: certificateToPem(certificate),
    privateKey: keys.privateKey,
    privateKeyPem: privateKeyToPem(keys.privateKey),
    algorithm,
    name,
    organisation,
    demonstration,
  });
}

/** Rebuilds a CA from its PEM files, checking that the key belongs to the certificate and that it is a CA. */
export function loadCertificateAuthority(input: { certificatePem: string; privateKeyPem: string }): CertificateAuthority {
  const certificate = readCertificatePem(input.certificatePem);
  const privateKey = readPrivateKeyPem(input.privateKeyPem);
  const info = describeCertificate(certificate);
  if (!info.isCa || !(info.keyUsage ?? ['keyCertSign']).includes('keyCertSign')) {
    throw new HubError('CERT_NOT_CA', 'the certificate is not a CA certificate');
  }
  if (!keyBelongsTo(privateKey, certificate)) {
    throw new HubError('CERT_MALFORMED', 'the CA private key does not belong to the CA certificate');
  }
  const algorithm = keyAlgorithmOf(privateKey);
  return Object.freeze({
    certificate,
    certificatePem: certificateToPem(certificate),
    privateKey,
    privateKeyPem: privateKeyToPem(privateKey),
    algorithm,
    name: info.subject.commonName,
    organisation: info.subject.organisation ?? info.subject.commonName,
    demonstration: info.demonstration,
  });
}
