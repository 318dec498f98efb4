import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  issueCertificate,
  readCertificatesPem,
  signCertificateRequest,
  initCaDirectory,
  thumbprintS256,
  type CertificateAuthority,
  type IssueCertificateOptions,
} from '../../src/pki/index.js';
import { x509 } from '../../src/pki/x509-library.js';
import { repoRoot } from '../support/cli.js';
import { runGo } from '../support/go.js';
import { openssl, opensslKeyAndCsr, opensslWorkspace } from '../support/openssl.js';
import { partnerJson, runPartner } from '../support/python.js';

/**
 * Every certificate the scheme CA issues, and every one in certs-example,
 * must parse with all its extensions in the stacks partner agencies run:
 * Debian 12's python3-cryptography (38) and Go (1.19, crypto/x509, which a
 * Go agency's TLS handshake uses too), and OpenSSL. The first test shows
 * that the first two refuse the old certificates, whose policy OID had an
 * arc wider than 64 bits.
 */

interface ParsedByGo {
  file: string;
  thumbprint?: string;
  extensions: number;
  error?: string;
}

/** Go's crypto/x509 on each certificate of the files (test/interop/go/parsecerts.go prints one JSON line each). */
async function parseWithGo(files: string[]): Promise<{ code: number; lines: ParsedByGo[]; stderr: string }> {
  const result = await runGo('parsecerts.go', files);
  return { code: result.code, stderr: result.stderr, lines: result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as ParsedByGo) };
}

interface ParsedByPython {
  file: string;
  subject: string;
  extensions: Array<{ oid: string; critical: boolean }>;
  thumbprint: string;
}

const examples = path.join(repoRoot, 'certs-example');
const work = opensslWorkspace();
afterAll(() => work.remove());

function certificateFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.pem'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file, 'utf8').includes('BEGIN CERTIFICATE'))
    .sort();
}

async function expectReadableEverywhere(files: string[]): Promise<void> {
  const parsed = await partnerJson<ParsedByPython[]>(['parse-certificates', ...files]);
  const go = await parseWithGo(files);
  expect(go.code, go.stderr).toBe(0);
  const expected = files.flatMap((file) => readCertificatesPem(readFileSync(file, 'utf8')).map((certificate) => ({ file, certificate })));
  expect(parsed).toHaveLength(expected.length);
  expected.forEach(({ file, certificate }, index) => {
    const python = parsed[index]!;
    expect(python.file).toBe(file);
    // cryptography read every extension Node sees (basicConstraints, keyUsage, key identifiers, EKU, SAN).
    expect(python.extensions.length, file).toBeGreaterThanOrEqual(3);
    expect(python.extensions.map((extension) => extension.oid)).not.toContain('2.5.29.32');
    expect(python.thumbprint).toBe(thumbprintS256(certificate));
    expect(go.lines[index]).toEqual(expect.objectContaining({ file, thumbprint: thumbprintS256(certificate), extensions: python.extensions.length }));
    expect(python.subject).toMatch(/CN=/);
    // OpenSSL prints every extension too.
    const text = openssl(['x509', '-noout', '-text'], { input: certificate.toString() });
    expect(text).toContain('X509v3 Basic Constraints: critical');
  });
}

describe('certificates every mainstream parser reads', () => {
  let ca: CertificateAuthority;
  beforeAll(async () => {
    ca = await createCertificateAuthority({ name: 'Northvale Parse Test CA', organisation: 'Northvale PPO Scheme', demonstration: true });
  });

  it('the control: python3-cryptography and Go 1.19 refuse a certificate with the old UUID-arc policy OID, so these tests can tell', async () => {
    const keys = await x509.cryptoProvider.get().subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const old = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=old-style',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.CertificatePolicyExtension(['2.25.259830928527822648890931628028576849316.2.1'])],
    });
    const file = work.write('old-style.pem', old.toString('pem'));
    const result = await runPartner(['parse-certificates', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PolicyInformation::policy_identifier');
    const go = await parseWithGo([file]);
    expect(go.code).toBe(1);
    expect(go.lines).toEqual([expect.objectContaining({ file, error: 'x509: invalid certificate policies' })]);
  });

  it('every certificate file in certs-example (leaves, chains, the CA, the expired and revoked ones)', async () => {
    const files = certificateFilesUnder(examples);
    expect(files.length).toBeGreaterThan(40);
    await expectReadableEverywhere(files);
  });

  it('every kind and key type the CA issues, from generated keys and from CSRs', async () => {
    const cases: IssueCertificateOptions[] = [
      { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'P-256' },
      { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'Ed25519' },
      { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'RSA-2048' },
      { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'RSA-2048', encryptionOnly: true },
      { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'P-256', encryptionOnly: true },
      { kind: 'agency', id: 'nv-police', role: 'police', algorithm: 'X25519' },
      { kind: 'hub-signing', algorithm: 'P-256' },
      { kind: 'hub-signing', algorithm: 'Ed25519' },
      { kind: 'hub-signing', algorithm: 'RSA-3072' },
      { kind: 'hub-encryption', algorithm: 'RSA-2048' },
      { kind: 'hub-encryption', algorithm: 'P-256' },
      { kind: 'hub-encryption', algorithm: 'X25519' },
      { kind: 'hub-tls', algorithm: 'P-256', dnsNames: ['hub.northvale.example'], ipAddresses: ['192.0.2.1'] },
      { kind: 'hub-tls', algorithm: 'RSA-2048' },
    ];
    const files = [work.write('ca.pem', ca.certificatePem)];
    for (const [index, options] of cases.entries()) {
      files.push(work.write(`issued-${index}.pem`, (await issueCertificate(ca, options)).certificatePem));
    }
    const caDirectory = await initCaDirectory(work.file('csr-ca'), { name: 'Northvale CSR Parse CA', demonstration: true });
    for (const keyType of ['P-256', 'RSA-2048', 'Ed25519'] as const) {
      const { csr } = opensslKeyAndCsr(work.dir, `parse-${keyType}`, keyType);
      const issued = await signCertificateRequest(caDirectory, readFileSync(csr), { kind: 'agency', id: `nv-${keyType.toLowerCase()}`, role: 'housing' });
      files.push(work.write(`signed-${keyType}.pem`, issued.certificatePem));
    }
    for (const algorithm of ['Ed25519', 'RSA-2048'] as const) {
      const other = await createCertificateAuthority({ name: `Northvale ${algorithm} CA`, algorithm });
      files.push(work.write(`ca-${algorithm}.pem`, other.certificatePem), work.write(`leaf-${algorithm}.pem`, (await issueCertificate(other, { kind: 'agency', id: 'nv-court', role: 'court' })).certificatePem));
    }
    await expectReadableEverywhere(files);
  });
});
