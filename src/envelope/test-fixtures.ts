// Test support only: synthetic keys and certificates for the envelope tests
// and the benchmark. @peculiar/x509 needs the Reflect polyfill first.
import 'reflect-metadata';
import { generateKeyPairSync, randomUUID, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { HubError } from '../errors.js';
import { thumbprintS256 } from '../pki/thumbprint.js';
import type { EnvelopeClaims } from './claims.js';
import type { ResolvedSigner } from './types.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeyKind = 'P-256' | 'Ed25519' | 'X25519' | 'RSA-2048';

export function generateKeys(kind: KeyKind): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (kind) {
    case 'P-256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'Ed25519':
      return generateKeyPairSync('ed25519');
    case 'X25519':
      return generateKeyPairSync('x25519');
    case 'RSA-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

export interface TestCa {
  name: string;
  certificate: X509Certificate;
  signingKey: webcrypto.CryptoKey;
  publicKey: KeyObject;
}

const CA_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A P-256 scheme CA for the fictional Northvale partnership. */
export async function createTestCa(name = 'Northvale Test Scheme CA'): Promise<TestCa> {
  const keys = generateKeys('P-256');
  const signingKey = await webcrypto.subtle.importKey('pkcs8', keys.privateKey.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: `CN=${name}`,
    issuer: `CN=${name}`,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 365 * 86_400_000),
    publicKey: new x509.PublicKey(keys.publicKey.export({ format: 'der', type: 'spki' })),
    signingKey,
    signingAlgorithm: CA_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { name, certificate: new X509Certificate(Buffer.from(cert.rawData)), signingKey, publicKey: keys.publicKey };
}

export interface IssueOptions {
  subject?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Defaults to digitalSignature. */
  keyUsage?: number;
}

let serial = 100;

/** An end-entity certificate for a public key, signed by the test CA. */
export async function issueTestCertificate(ca: TestCa, publicKey: KeyObject, options: IssueOptions = {}): Promise<X509Certificate> {
  const now = Date.now();
  serial += 1;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString(16).padStart(4, '0'),
    subject: options.subject ?? 'CN=northvale-police,O=Northvale Police,OU=police',
    issuer: ca.certificate.subject.replace(/\n/g, ','),
    notBefore: options.notBefore ?? new Date(now - 3600_000),
    notAfter: options.notAfter ?? new Date(now + 30 * 86_400_000),
    publicKey: new x509.PublicKey(publicKey.export({ format: 'der', type: 'spki' })),
    signingKey: ca.signingKey,
    signingAlgorithm: CA_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(options.keyUsage ?? x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return new X509Certificate(Buffer.from(cert.rawData));
}

export const KEY_USAGE = x509.KeyUsageFlags;

export interface TestSigner {
  kind: KeyKind;
  privateKey: KeyObject;
  publicKey: KeyObject;
  certificate: X509Certificate;
  thumbprint: string;
}

export async function createTestSigner(ca: TestCa, kind: 'P-256' | 'Ed25519' | 'RSA-2048', options: IssueOptions = {}): Promise<TestSigner> {
  const keys = generateKeys(kind);
  const certificate = await issueTestCertificate(ca, keys.publicKey, options);
  return { kind, ...keys, certificate, thumbprint: thumbprintS256(certificate) };
}

export interface TestRecipient {
  kind: KeyKind;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function createTestRecipient(kind: 'P-256' | 'X25519' | 'RSA-2048', kid = `northvale-hub-enc-${kind.toLowerCase()}`): TestRecipient {
  return { kind, kid, ...generateKeys(kind) };
}

/** Claims for a synthetic arrest notification about a fictional person. */
export function testClaims(overrides: Partial<EnvelopeClaims> = {}, now = new Date()): EnvelopeClaims {
  const iat = Math.floor(now.getTime() / 1000);
  return {
    iss: 'northvale-police',
    aud: 'isp-hub',
    iat,
    exp: iat + 300,
    jti: randomUUID(),
    type: 'arrest-notification',
    purpose: 'ppo-case-management',
    actor: { staffId: 'NV-0042', role: 'custody-sergeant' },
    subject: { name: 'Alex Testperson', pnc: '2001/0000001X' },
    body: { custodySuite: 'Northvale Central', arrestedAt: now.toISOString() },
    ...overrides,
  };
}

/**
 * A resolveSigner over a fixed set of signers that counts its calls, so a test
 * can assert that a refused envelope never reached the trust store. Unknown
 * thumbprints are JWS_SIGNER_UNKNOWN, as the registry answers.
 */
export function countingResolver(signers: readonly TestSigner[]): { resolve: (thumbprint: string) => Promise<ResolvedSigner>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async resolve(thumbprint: string) {
      calls.push(thumbprint);
      const found = signers.find((signer) => signer.thumbprint === thumbprint);
      if (!found) throw new HubError('JWS_SIGNER_UNKNOWN', 'no registered certificate has this thumbprint');
      return { publicKey: found.certificate.publicKey, certificate: found.certificate };
    },
  };
}
