import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { isHubError } from '../errors.js';
import { makeExampleCerts } from '../../scripts/make-example-certs.js';
import { createTrustStore, describeCertificate, loadCaDirectory, openRevocationList, readCertificatePem, type CertificateUsage } from './index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(repoRoot, 'certs-example');
const agencies = (parse(readFileSync(path.join(repoRoot, 'policies/agencies.yaml'), 'utf8')) as { agencies: Array<{ id: string; role: string }> })
  .agencies;
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const read = (relative: string) => readFileSync(path.join(examples, relative), 'utf8');

/** Every file under dir, as paths relative to it, sorted. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function exampleStore(refuseDemonstration = false) {
  const revocations = await openRevocationList(path.join(examples, 'ca/revocations.json'));
  return createTrustStore({ caCertificates: [readCertificatePem(read('ca/cert.pem'))], revocations, refuseDemonstration });
}

function codeOf(action: () => unknown): string {
  try {
    action();
    return 'accepted';
  } catch (error) {
    return isHubError(error) ? error.code : String(error);
  }
}

describe('certs-example/', () => {
  it('has a CA, valid for ten years, whose key loads', async () => {
    const { ca } = await loadCaDirectory(path.join(examples, 'ca'));
    expect(ca.demonstration).toBe(true);
    const info = describeCertificate(ca.certificate);
    expect(Math.round((info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000)).toBe(3650);
  });

  it('has a certificate for every agency of policies/agencies.yaml, with its id and role', async () => {
    const store = await exampleStore();
    expect(readdirSync(path.join(examples, 'agencies')).sort()).toEqual(agencies.map((agency) => agency.id).sort());
    for (const agency of agencies) {
      const certificate = readCertificatePem(read(`agencies/${agency.id}/cert.pem`));
      for (const usage of ['signing', 'encryption', 'tls-client', 'tls-server'] as CertificateUsage[]) {
        const verified = store.verify(certificate, { usage });
        expect(verified.subject).toEqual({ commonName: agency.id, agencyId: agency.id, role: agency.role });
        expect(verified.demonstration).toBe(true);
      }
      expect(read(`agencies/${agency.id}/chain.pem`)).toBe(read('ca/cert.pem'));
      expect(read(`agencies/${agency.id}/key.pem`)).toMatch(/^DEMONSTRATION ONLY[^\n]*\n[\s\S]*\n-----BEGIN PRIVATE KEY-----/);
      const info = describeCertificate(certificate);
      expect(info.keyAlgorithm).toBe('P-256');
      expect(Math.round((info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000)).toBe(1825);
    }
  });

  it('has an RSA-2048 encryption certificate for every agency, for encryption only, whose key matches', async () => {
    const store = await exampleStore();
    for (const agency of agencies) {
      const certificate = readCertificatePem(read(`agencies/${agency.id}/encryption-cert.pem`));
      const verified = store.verify(certificate, { usage: 'encryption' });
      expect(verified.subject).toEqual({ commonName: agency.id, agencyId: agency.id, role: agency.role });
      // RSA-OAEP-256: every JOSE library opens it, and it is the cheapest wrap for the hub (docs/envelope.md).
      expect(describeCertificate(certificate)).toMatchObject({ keyAlgorithm: 'RSA-2048', keyUsage: ['keyEncipherment'], extendedKeyUsage: [] });
      for (const usage of ['signing', 'tls-client', 'tls-server'] as CertificateUsage[]) {
        expect(codeOf(() => store.verify(certificate, { usage }))).toBe('CERT_KEY_USAGE');
      }
      const privateKey = createPrivateKey(read(`agencies/${agency.id}/encryption-key.pem`));
      const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
      expect(spki(createPublicKey(privateKey)).equals(spki(certificate.publicKey))).toBe(true);
    }
  });

  it('names each agency\'s encryption certificate in policies/agencies.yaml', () => {
    const entries = (parse(readFileSync(path.join(repoRoot, 'policies/agencies.yaml'), 'utf8')) as { agencies: Array<{ id: string; encryptionCertificate?: string }> }).agencies;
    for (const entry of entries) expect(entry.encryptionCertificate).toBe(`../certs-example/agencies/${entry.id}/encryption-cert.pem`);
  });

  it('has hub certificates for signing, encryption (P-256 and RSA-2048, no X25519) and TLS that each verify for their usage only', async () => {
    const store = await exampleStore();
    const signing = readCertificatePem(read('hub/signing-cert.pem'));
    const tls = readCertificatePem(read('hub/tls-cert.pem'));
    expect(store.verify(signing, { usage: 'signing' }).kind).toBe('hub-signing');
    expect(store.verify(tls, { usage: 'tls-server' }).kind).toBe('hub-tls');
    expect(codeOf(() => store.verify(signing, { usage: 'encryption' }))).toBe('CERT_KEY_USAGE');
    for (const [file, keyAlgorithm] of [['hub/encryption-p256-cert.pem', 'P-256'], ['hub/encryption-rsa-cert.pem', 'RSA-2048']] as const) {
      const encryption = readCertificatePem(read(file));
      expect(store.verify(encryption, { usage: 'encryption' }).kind).toBe('hub-encryption');
      expect(describeCertificate(encryption).keyAlgorithm).toBe(keyAlgorithm);
      expect(codeOf(() => store.verify(encryption, { usage: 'signing' }))).toBe('CERT_KEY_USAGE');
    }
    expect(existsSync(path.join(examples, 'hub/encryption-cert.pem'))).toBe(false);
    // An X25519 key in the default JWKS would make go-jose refuse the whole set (docs/envelope.md).
    expect(existsSync(path.join(examples, 'hub/encryption-x25519-cert.pem'))).toBe(false);
    expect(tls.checkHost('localhost')).toBe('localhost');
  });

  it('openssl verify accepts the agency and hub chains', () => {
    const files = [
      ...agencies.flatMap((agency) => [`agencies/${agency.id}/cert.pem`, `agencies/${agency.id}/encryption-cert.pem`]),
      'hub/signing-cert.pem',
      'hub/encryption-rsa-cert.pem',
      'hub/encryption-p256-cert.pem',
      'hub/tls-cert.pem',
    ];
    const output = execFileSync('openssl', ['verify', '-CAfile', path.join(examples, 'ca/cert.pem'), ...files.map((file) => path.join(examples, file))], {
      encoding: 'utf8',
    });
    expect(output.trim().split('\n').filter((line) => line.endsWith(': OK'))).toHaveLength(files.length);
  });

  it('has an expired police certificate refused with CERT_EXPIRED and a revoked one with CERT_REVOKED', async () => {
    const store = await exampleStore();
    const expired = readCertificatePem(read('test-only/expired-police/cert.pem'));
    const revoked = readCertificatePem(read('test-only/revoked-police/cert.pem'));
    expect(describeCertificate(expired).subject.commonName).toBe('nv-police');
    expect(describeCertificate(revoked).subject.commonName).toBe('nv-police');
    expect(codeOf(() => store.verify(expired, { usage: 'signing' }))).toBe('CERT_EXPIRED');
    expect(codeOf(() => store.verify(revoked, { usage: 'signing' }))).toBe('CERT_REVOKED');
    for (const dir of ['expired-police', 'revoked-police']) {
      expect(existsSync(path.join(examples, 'test-only', dir, 'key.pem'))).toBe(true);
      expect(read(`test-only/${dir}/chain.pem`)).toBe(read('ca/cert.pem'));
    }
  });

  it('is refused whole in production mode', async () => {
    const store = await exampleStore(true);
    expect(codeOf(() => store.verify(readCertificatePem(read('agencies/nv-police/cert.pem')), { usage: 'signing' }))).toBe('CERT_DEMO_IN_PRODUCTION');
    expect(codeOf(() => store.verify(readCertificatePem(read('hub/tls-cert.pem')), { usage: 'tls-server' }))).toBe('CERT_DEMO_IN_PRODUCTION');
  });

  it('says loudly in its README, and in every private key file, that the keys are public and for demonstration only', () => {
    const readme = read('README.md');
    expect(readme).toMatch(/PRIVATE KEYS ARE PUBLIC/);
    expect(readme).toContain('NODE_ENV=production');
    const keyFiles = listFiles(examples).filter((file) => file.endsWith('key.pem'));
    expect(keyFiles.length).toBeGreaterThan(2 * agencies.length);
    for (const file of keyFiles) {
      const text = read(file);
      expect(text.slice(0, text.indexOf('-----BEGIN')), file).toMatch(/^DEMONSTRATION ONLY: this private key is published/);
      // The notice sits outside the PEM block, where every PEM reader skips it (RFC 7468 s.2).
      expect(createPrivateKey(text).type).toBe('private');
    }
  });

  it('is regenerated by the committed script with the same layout', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'certs-example-'));
    scratch.push(out);
    await makeExampleCerts(out, path.join(repoRoot, 'policies/agencies.yaml'));
    expect(listFiles(out)).toEqual(listFiles(examples));
    const revocations = JSON.parse(readFileSync(path.join(out, 'ca/revocations.json'), 'utf8')) as { revoked: Array<{ serialNumber: string }> };
    expect(revocations.revoked.map((entry) => entry.serialNumber)).toEqual([
      describeCertificate(readCertificatePem(readFileSync(path.join(out, 'test-only/revoked-police/cert.pem'), 'utf8'))).serialNumber,
    ]);
  });
});
