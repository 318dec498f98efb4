import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHubError } from '../errors.js';
import { createCertificateAuthority, issueCertificate, readCertificatesPem, toPkcs12, type CertificateAuthority } from './index.js';

let workDir: string;
let ca: CertificateAuthority;
const PASSWORD = 'northvale-p12-test';

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'pki-p12-'));
  ca = await createCertificateAuthority({ name: 'Northvale Test CA' });
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('toPkcs12', () => {
  it.each(['P-256', 'RSA-2048', 'Ed25519'] as const)('writes a %s bundle that openssl reads with its key and chain', async (algorithm) => {
    const issued = await issueCertificate(ca, { kind: 'agency', id: 'nv-probation', role: 'probation', algorithm });
    const bundle = toPkcs12({
      certificatePem: issued.certificatePem,
      privateKeyPem: issued.privateKeyPem ?? '',
      chainPem: issued.chainPem,
      password: PASSWORD,
      friendlyName: 'nv-probation',
    });
    const file = path.join(workDir, `${algorithm}.p12`);
    writeFileSync(file, bundle);

    const info = execFileSync('openssl', ['pkcs12', '-info', '-nokeys', '-in', file, '-passin', `pass:${PASSWORD}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(info).toContain('friendlyName: nv-probation');
    const certificates = readCertificatesPem(info);
    expect(certificates.map((item) => item.serialNumber)).toEqual([issued.certificate.serialNumber, ca.certificate.serialNumber]);

    const everything = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${PASSWORD}`, '-nodes'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(everything)?.[0] ?? '';
    expect(createPublicKey(keyPem).export({ type: 'spki', format: 'der' })).toEqual(
      issued.certificate.publicKey.export({ type: 'spki', format: 'der' }),
    );
  });

  it('cannot be opened with the wrong password', async () => {
    const issued = await issueCertificate(ca, { kind: 'agency', id: 'nv-probation', role: 'probation' });
    const file = path.join(workDir, 'wrong.p12');
    writeFileSync(file, toPkcs12({ certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem ?? '', password: PASSWORD }));
    const result = spawnSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:not-the-password', '-nodes'], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/mac verify failure|invalid password/i);
  });

  it('refuses an empty password and a key that does not belong to the certificate', async () => {
    const first = await issueCertificate(ca, { kind: 'agency', id: 'nv-probation', role: 'probation' });
    const second = await issueCertificate(ca, { kind: 'agency', id: 'nv-probation', role: 'probation' });
    const attempt = (input: Parameters<typeof toPkcs12>[0]) => {
      try {
        toPkcs12(input);
        return 'no error';
      } catch (error) {
        return isHubError(error) ? error.code : String(error);
      }
    };
    expect(attempt({ certificatePem: first.certificatePem, privateKeyPem: first.privateKeyPem ?? '', password: '' })).toBe('BAD_REQUEST');
    expect(attempt({ certificatePem: first.certificatePem, privateKeyPem: second.privateKeyPem ?? '', password: PASSWORD })).toBe('BAD_REQUEST');
  });
});
