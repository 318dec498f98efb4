import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHubError, type HubErrorCode } from '../errors.js';
import {
  DEMONSTRATION_MARKER,
  createCertificateAuthority,
  describeCertificate,
  issueCertificate,
  loadCertificateAuthority,
  parseKeyAlgorithm,
  readCertificatesPem,
  type CertificateAuthority,
  type CertificateKind,
  type KeyAlgorithm,
} from './index.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let workDir: string;
let ca: CertificateAuthority;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'pki-issue-'));
  ca = await createCertificateAuthority({ name: 'Northvale Test CA', organisation: 'Northvale PPO Scheme', validityDays: 30 });
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** `openssl verify -CAfile ca.pem cert.pem`: the check an agency's own tooling makes. */
function opensslVerify(caPem: string, certificatePem: string): string {
  const caFile = path.join(workDir, `ca-${Math.random().toString(36).slice(2)}.pem`);
  const certificateFile = path.join(workDir, `leaf-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(caFile, caPem);
  writeFileSync(certificateFile, certificatePem);
  return execFileSync('openssl', ['verify', '-CAfile', caFile, certificateFile], { encoding: 'utf8' }).trim();
}

async function expectCode(action: () => unknown, code: HubErrorCode): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(isHubError(error) ? error.code : error).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

const cases: Array<{ algorithm: KeyAlgorithm; kind: CertificateKind; keyUsage: string[]; eku: string[] }> = [
  { algorithm: 'P-256', kind: 'agency', keyUsage: ['digitalSignature', 'keyAgreement'], eku: [CLIENT_AUTH, SERVER_AUTH] },
  { algorithm: 'P-256', kind: 'hub-signing', keyUsage: ['digitalSignature'], eku: [] },
  { algorithm: 'P-256', kind: 'hub-encryption', keyUsage: ['keyAgreement'], eku: [] },
  { algorithm: 'P-256', kind: 'hub-tls', keyUsage: ['digitalSignature'], eku: [SERVER_AUTH, CLIENT_AUTH] },
  { algorithm: 'Ed25519', kind: 'agency', keyUsage: ['digitalSignature'], eku: [CLIENT_AUTH, SERVER_AUTH] },
  { algorithm: 'Ed25519', kind: 'hub-signing', keyUsage: ['digitalSignature'], eku: [] },
  { algorithm: 'Ed25519', kind: 'hub-tls', keyUsage: ['digitalSignature'], eku: [SERVER_AUTH, CLIENT_AUTH] },
  { algorithm: 'X25519', kind: 'agency', keyUsage: ['keyAgreement'], eku: [] },
  { algorithm: 'X25519', kind: 'hub-encryption', keyUsage: ['keyAgreement'], eku: [] },
  { algorithm: 'RSA-2048', kind: 'agency', keyUsage: ['digitalSignature', 'keyEncipherment'], eku: [CLIENT_AUTH, SERVER_AUTH] },
  { algorithm: 'RSA-2048', kind: 'hub-encryption', keyUsage: ['keyEncipherment'], eku: [] },
];

describe('issueCertificate', () => {
  it.each(cases)('issues a $algorithm $kind certificate that openssl verify accepts', async ({ algorithm, kind, keyUsage, eku }) => {
    const issued = await issueCertificate(ca, { kind, id: kind === 'agency' ? 'nv-police' : 'isp-hub', role: 'police', algorithm });
    expect(opensslVerify(ca.certificatePem, issued.certificatePem)).toMatch(/: OK$/);
    const info = describeCertificate(issued.certificate);
    expect(info.kind).toBe(kind);
    // No certificate policies: parsers with 64-bit OID arcs could not read the old UUID-arc ones.
    expect(info.policies).toEqual([]);
    expect(info.keyUsage).toEqual(keyUsage);
    expect([...info.extendedKeyUsage].sort()).toEqual([...eku].sort());
    expect(info.isCa).toBe(false);
    expect(info.keyAlgorithm).toBe(algorithm);
    expect(info.serialNumber).toBe(issued.serialNumber);
    expect(issued.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(issued.chainPem).toBe(ca.certificatePem);
    // Five years by default, back-dated a few minutes for slow clocks.
    const days = (info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000;
    expect(days).toBe(1825);
    expect(info.notBefore.getTime()).toBeLessThan(Date.now());
  });

  it('encodes agency id, role and scheme in the subject as CN, OU and O', async () => {
    const issued = await issueCertificate(ca, { kind: 'agency', id: 'nv-yot', role: 'yot' });
    const info = describeCertificate(issued.certificate);
    expect(info.subject).toEqual({ commonName: 'nv-yot', organisationalUnit: 'yot', organisation: 'Northvale PPO Scheme' });
    expect(issued.certificate.subject).toBe('CN=nv-yot\nOU=yot\nO=Northvale PPO Scheme');
    expect(issued.certificate.issuer).toBe(ca.certificate.subject);
  });

  it('names the loopback host and the given names in a hub TLS certificate', async () => {
    const issued = await issueCertificate(ca, { kind: 'hub-tls', dnsNames: ['hub.northvale.example'], ipAddresses: ['192.0.2.10'] });
    const info = describeCertificate(issued.certificate);
    expect(info.subject.commonName).toBe('isp-hub');
    expect(info.subject.organisationalUnit).toBe('hub-tls');
    expect(info.dnsNames).toEqual(['localhost', 'hub.northvale.example']);
    expect(info.ipAddresses).toEqual(['127.0.0.1', '::1', '192.0.2.10']);
    expect(issued.certificate.checkHost('localhost')).toBe('localhost');
    expect(issued.certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('certifies an existing public key without returning a private key', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issued = await issueCertificate(ca, { kind: 'hub-signing', publicKey });
    expect(issued.privateKey).toBeUndefined();
    expect(issued.certificate.publicKey.export({ type: 'spki', format: 'der' })).toEqual(publicKey.export({ type: 'spki', format: 'der' }));
  });

  it.each([
    ['an X25519 signing key', { kind: 'hub-signing', algorithm: 'X25519' }],
    ['an Ed25519 encryption key', { kind: 'hub-encryption', algorithm: 'Ed25519' }],
    ['an X25519 TLS key', { kind: 'hub-tls', algorithm: 'X25519' }],
    ['RSA-1024', { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'RSA-1024' }],
    ['an unknown algorithm', { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'P-521' }],
  ] as const)('refuses %s with CERT_KEY_UNSUPPORTED', async (_label, options) => {
    await expectCode(() => issueCertificate(ca, options), 'CERT_KEY_UNSUPPORTED');
  });

  it('refuses to certify a short or an outsized RSA key or a non-P-256 curve', async () => {
    const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    await expectCode(() => issueCertificate(ca, { kind: 'hub-signing', publicKey: shortRsa }), 'CERT_KEY_UNSUPPORTED');
    // A public key needs no primes to be read: an 8200-bit odd modulus stands in for an outsized RSA key.
    const modulus = randomBytes(8200 / 8);
    modulus.writeUInt8(modulus.readUInt8(0) | 0x80, 0);
    modulus.writeUInt8(modulus.readUInt8(modulus.length - 1) | 1, modulus.length - 1);
    const outsized = createPublicKey({ key: { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
    await expectCode(() => issueCertificate(ca, { kind: 'hub-signing', publicKey: outsized }), 'CERT_KEY_UNSUPPORTED');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    await expectCode(() => issueCertificate(ca, { kind: 'hub-signing', publicKey: p384 }), 'CERT_KEY_UNSUPPORTED');
  });

  it('refuses an agency certificate without a role, or with an id that is not a scheme identifier', async () => {
    await expectCode(() => issueCertificate(ca, { kind: 'agency', id: 'nv-police' }), 'BAD_REQUEST');
    await expectCode(() => issueCertificate(ca, { kind: 'agency', id: 'NV Police, O=Evil', role: 'police' }), 'BAD_REQUEST');
    await expectCode(() => issueCertificate(ca, { kind: 'hub-tls', dnsNames: ['not a host'] }), 'BAD_REQUEST');
  });

  it.each(['hub-signing', 'hub-encryption', 'hub-tls'])('refuses the agency role %s, the OU that marks a hub certificate', async (role) => {
    await expectCode(() => issueCertificate(ca, { kind: 'agency', id: 'nv-police', role }), 'BAD_REQUEST');
  });
});

describe('createCertificateAuthority', () => {
  it.each(['Ed25519', 'RSA-2048'] as const)('makes a %s CA whose P-256 leaves openssl verify accepts', async (algorithm) => {
    const other = await createCertificateAuthority({ name: 'Northvale Alt CA', algorithm });
    const info = describeCertificate(other.certificate);
    expect(info.isCa).toBe(true);
    expect(info.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(info.keyAlgorithm).toBe(algorithm);
    const issued = await issueCertificate(other, { kind: 'agency', id: 'nv-court', role: 'court' });
    expect(opensslVerify(other.certificatePem, issued.certificatePem)).toMatch(/: OK$/);
  });

  it('refuses an X25519 or short RSA CA key', async () => {
    await expectCode(() => createCertificateAuthority({ name: 'Bad CA', algorithm: 'X25519' }), 'CERT_KEY_UNSUPPORTED');
    await expectCode(() => createCertificateAuthority({ name: 'Bad CA', algorithm: 'RSA-1024' }), 'CERT_KEY_UNSUPPORTED');
  });

  it('marks a demonstration CA, and everything it issues, in the subject O', async () => {
    const demo = await createCertificateAuthority({ name: 'Northvale Demo CA', demonstration: true });
    expect(demo.demonstration).toBe(true);
    expect(demo.organisation).toContain(DEMONSTRATION_MARKER);
    const caInfo = describeCertificate(demo.certificate);
    expect(caInfo.policies).toEqual([]);
    expect(caInfo.demonstration).toBe(true);
    const leaf = describeCertificate((await issueCertificate(demo, { kind: 'agency', id: 'nv-police', role: 'police' })).certificate);
    expect(leaf.subject.organisation).toContain(DEMONSTRATION_MARKER);
    expect(leaf.policies).toEqual([]);
    expect(leaf.demonstration).toBe(true);
    expect(describeCertificate(ca.certificate).demonstration).toBe(false);
  });

  it('is reloaded from PEM, and a key from another CA or a leaf certificate is refused', async () => {
    const loaded = loadCertificateAuthority({ certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem });
    expect(loaded.organisation).toBe('Northvale PPO Scheme');
    expect(loaded.algorithm).toBe('P-256');
    const issued = await issueCertificate(loaded, { kind: 'hub-signing' });
    expect(opensslVerify(ca.certificatePem, issued.certificatePem)).toMatch(/: OK$/);

    const other = await createCertificateAuthority({ name: 'Other CA' });
    await expectCode(() => loadCertificateAuthority({ certificatePem: ca.certificatePem, privateKeyPem: other.privateKeyPem }), 'CERT_MALFORMED');
    const leaf = await issueCertificate(ca, { kind: 'agency', id: 'nv-police', role: 'police' });
    await expectCode(
      () => loadCertificateAuthority({ certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem ?? '' }),
      'CERT_NOT_CA',
    );
  });
});

describe('PEM and algorithm names', () => {
  it('reads every certificate of a PEM text in order, ignoring text between blocks', async () => {
    const leaf = await issueCertificate(ca, { kind: 'hub-signing' });
    const text = `subject=CN = isp-hub\n${leaf.certificatePem}\n# the CA\n${ca.certificatePem}`;
    const certificates = readCertificatesPem(text);
    expect(certificates.map((item) => item.serialNumber)).toEqual([leaf.certificate.serialNumber, ca.certificate.serialNumber]);
  });

  it('refuses text without a certificate, or a damaged block, with CERT_MALFORMED', async () => {
    await expectCode(() => readCertificatesPem('hello'), 'CERT_MALFORMED');
    await expectCode(() => readCertificatesPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), 'CERT_MALFORMED');
  });

  it('parses algorithm names from outside', async () => {
    expect(parseKeyAlgorithm('p256')).toBe('P-256');
    expect(parseKeyAlgorithm('rsa')).toBe('RSA-2048');
    expect(parseKeyAlgorithm('RSA-3072')).toBe('RSA-3072');
    expect(parseKeyAlgorithm('ED25519')).toBe('Ed25519');
    await expectCode(() => parseKeyAlgorithm('rsa-2047'), 'CERT_KEY_UNSUPPORTED');
    await expectCode(() => parseKeyAlgorithm('dsa'), 'CERT_KEY_UNSUPPORTED');
  });
});
