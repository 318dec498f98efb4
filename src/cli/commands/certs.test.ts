import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../../../test/support/cli.js';
import { readCertificatePem, thumbprintS256 } from '../../pki/index.js';

let workDir: string;
const P12_PASSWORD = 'northvale-cli-test';

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'certs-cli-'));
  const result = await runIspHub(['certs', 'init', '--name', 'Northvale CLI CA', '--organisation', 'Northvale PPO Scheme'], { cwd: workDir });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const inWork = (...parts: string[]) => path.join(workDir, ...parts);
const openssl = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// Each case starts the CLI as a child process (through tsx); on a busy 2-core
// machine one start can take seconds, so cases get room beyond the default.
describe('isp-hub certs', { timeout: 120_000 }, () => {
  it('init creates cert.pem, an owner-only key.pem and an empty revocations.json', () => {
    expect(readFileSync(inWork('ca/cert.pem'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(statSync(inWork('ca/key.pem')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(inWork('ca/revocations.json'), 'utf8'))).toEqual({ version: 1, revoked: [] });
  });

  it('init refuses to overwrite an existing CA', async () => {
    const result = await runIspHub(['certs', 'init'], { cwd: workDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('BAD_REQUEST');
  });

  it('issue writes an agency certificate that openssl verify accepts, and a PKCS#12 bundle openssl reads', async () => {
    const result = await runIspHub(
      ['certs', 'issue', '--kind', 'agency', '--id', 'nv-police', '--role', 'police', '--p12', 'police.p12', '--p12-password', P12_PASSWORD],
      { cwd: workDir },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('subject:             CN=nv-police, OU=police, O=Northvale PPO Scheme');
    expect(openssl(['verify', '-CAfile', inWork('ca/cert.pem'), inWork('agencies/nv-police/cert.pem')])).toMatch(/: OK\n$/);
    expect(readFileSync(inWork('agencies/nv-police/chain.pem'), 'utf8')).toBe(readFileSync(inWork('ca/cert.pem'), 'utf8'));
    expect(statSync(inWork('agencies/nv-police/key.pem')).mode & 0o777).toBe(0o600);
    const bundle = openssl(['pkcs12', '-in', inWork('police.p12'), '-passin', `pass:${P12_PASSWORD}`, '-nodes']);
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(bundle).toContain('BEGIN PRIVATE KEY');
  });

  it("issue writes an agency's X25519 certificate beside its signing pair as encryption-cert.pem, leaving cert.pem alone", async () => {
    const signing = readFileSync(inWork('agencies/nv-police/cert.pem'), 'utf8');
    const result = await runIspHub(['certs', 'issue', '--kind', 'agency', '--id', 'nv-police', '--role', 'police', '--algorithm', 'X25519'], { cwd: workDir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(inWork('agencies/nv-police/encryption-cert.pem'));
    expect(readFileSync(inWork('agencies/nv-police/cert.pem'), 'utf8')).toBe(signing);
    expect(statSync(inWork('agencies/nv-police/encryption-key.pem')).mode & 0o777).toBe(0o600);
    expect(openssl(['x509', '-in', inWork('agencies/nv-police/encryption-cert.pem'), '-noout', '-text'])).toContain('X25519');
  });

  it('issue keeps the encryption pair it replaces as .previous, and refuses a third while that is still kept', async () => {
    const before = readFileSync(inWork('agencies/nv-police/encryption-cert.pem'), 'utf8');
    const replaced = await runIspHub(['certs', 'issue', '--kind', 'agency', '--id', 'nv-police', '--role', 'police', '--algorithm', 'X25519'], { cwd: workDir });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain(inWork('agencies/nv-police/encryption-cert.previous.pem'));
    expect(readFileSync(inWork('agencies/nv-police/encryption-cert.previous.pem'), 'utf8')).toBe(before);
    expect(statSync(inWork('agencies/nv-police/encryption-key.previous.pem')).mode & 0o777).toBe(0o600);
    const current = readFileSync(inWork('agencies/nv-police/encryption-cert.pem'), 'utf8');
    expect(current).not.toBe(before);

    const again = await runIspHub(['certs', 'issue', '--kind', 'agency', '--id', 'nv-police', '--role', 'police', '--algorithm', 'X25519'], { cwd: workDir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('still keeps an earlier replaced encryption pair');
    expect(readFileSync(inWork('agencies/nv-police/encryption-cert.pem'), 'utf8')).toBe(current);
    expect(readFileSync(inWork('agencies/nv-police/encryption-cert.previous.pem'), 'utf8')).toBe(before);
    rmSync(inWork('agencies/nv-police/encryption-cert.previous.pem'));
    rmSync(inWork('agencies/nv-police/encryption-key.previous.pem'));
  });

  it('issue --encryption writes an RSA agency certificate as the encryption pair, and refuses it for a hub kind', async () => {
    const signing = readFileSync(inWork('agencies/nv-police/cert.pem'), 'utf8');
    const result = await runIspHub(['certs', 'issue', '--kind', 'agency', '--id', 'nv-police', '--role', 'police', '--algorithm', 'RSA-2048', '--encryption'], { cwd: workDir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(inWork('agencies/nv-police/cert.pem'), 'utf8')).toBe(signing);
    const text = openssl(['x509', '-in', inWork('agencies/nv-police/encryption-cert.pem'), '-noout', '-text']);
    expect(text).toContain('rsaEncryption');
    // An encryption certificate only receives JWEs: it can neither sign nor log in over TLS.
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Key Encipherment\n/);
    expect(text).not.toContain('Extended Key Usage');
    const hub = await runIspHub(['certs', 'issue', '--kind', 'hub-tls', '--encryption'], { cwd: workDir });
    expect(hub.code).toBe(2);
    expect(hub.stderr).toContain('BAD_REQUEST');
  });

  it('issue writes hub certificates under hub/ with their kind-specific names, one encryption pair per key type', async () => {
    const tls = await runIspHub(['certs', 'issue', '--kind', 'hub-tls', '--dns', 'hub.northvale.example'], { cwd: workDir });
    expect(tls.code).toBe(0);
    expect(tls.stdout).toContain('subject alt names:   localhost, hub.northvale.example, 127.0.0.1, ::1');
    for (const algorithm of ['X25519', 'RSA-2048', 'P-256']) {
      const encryption = await runIspHub(['certs', 'issue', '--kind', 'hub-encryption', '--algorithm', algorithm], { cwd: workDir });
      expect(encryption.code, encryption.stderr).toBe(0);
    }
    const encryptionFiles = ['x25519', 'rsa', 'p256'].flatMap((type) => [`encryption-${type}-cert.pem`, `encryption-${type}-key.pem`]);
    for (const file of ['tls-cert.pem', 'tls-key.pem', ...encryptionFiles, 'chain.pem']) {
      expect(existsSync(inWork('hub', file))).toBe(true);
    }
    const certificates = ['tls-cert.pem', ...encryptionFiles.filter((file) => file.endsWith('-cert.pem'))].map((file) => inWork('hub', file));
    expect(openssl(['verify', '-CAfile', inWork('ca/cert.pem'), ...certificates]).match(/: OK/g)).toHaveLength(4);
  });

  it('issue refuses a short RSA key, an unknown kind and --p12 without a password, each with its code', async () => {
    const rsa = await runIspHub(['certs', 'issue', '--kind', 'agency', '--id', 'nv-cps', '--role', 'cps', '--algorithm', 'RSA-1024'], { cwd: workDir });
    expect(rsa.code).toBe(2);
    expect(rsa.stderr).toContain('CERT_KEY_UNSUPPORTED');
    const kind = await runIspHub(['certs', 'issue', '--kind', 'intermediate'], { cwd: workDir });
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('BAD_REQUEST');
    const p12 = await runIspHub(['certs', 'issue', '--kind', 'hub-signing', '--p12', 'x.p12'], { cwd: workDir, env: { ISP_HUB_P12_PASSWORD: '' } });
    expect(p12.code).toBe(2);
    expect(p12.stderr).toContain('BAD_REQUEST');
    expect(existsSync(inWork('x.p12'))).toBe(false);
  });

  it('issue without a CA folder says how to create one', async () => {
    const result = await runIspHub(['certs', 'issue', '--kind', 'hub-signing', '--ca', 'missing'], { cwd: workDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CONFIG_INVALID');
    expect(result.stderr).toContain('certs init');
  });

  it('inspect shows subject, issuer, serial, validity, key usage and the x5t#S256 thumbprint', async () => {
    const certificate = readCertificatePem(readFileSync(inWork('agencies/nv-police/cert.pem'), 'utf8'));
    const result = await runIspHub(['certs', 'inspect', 'agencies/nv-police/cert.pem'], { cwd: workDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('subject:             CN=nv-police, OU=police, O=Northvale PPO Scheme');
    expect(result.stdout).toContain('issuer:              CN=Northvale CLI CA, O=Northvale PPO Scheme');
    expect(result.stdout).toContain(`serial:              ${certificate.serialNumber}`);
    expect(result.stdout).toMatch(/not before: +\d{4}-\d\d-\d\dT/);
    expect(result.stdout).toMatch(/not after: +\d{4}-\d\d-\d\dT/);
    expect(result.stdout).toContain('key usage:           digitalSignature, keyAgreement');
    expect(result.stdout).toContain('extended key usage:  clientAuth, serverAuth');
    expect(result.stdout).toContain(`thumbprint x5t#S256: ${thumbprintS256(certificate)}`);
    const missing = await runIspHub(['certs', 'inspect', 'nope.pem'], { cwd: workDir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('NOT_FOUND');
  });

  it('revoke records the serial with its reason, and list shows issued and revoked certificates', async () => {
    const certificate = readCertificatePem(readFileSync(inWork('agencies/nv-police/cert.pem'), 'utf8'));
    const bad = await runIspHub(['certs', 'revoke', '--serial', certificate.serialNumber, '--reason', 'lostIt'], { cwd: workDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('BAD_REQUEST');

    const revoke = await runIspHub(['certs', 'revoke', '--serial', certificate.serialNumber.toLowerCase(), '--reason', 'keyCompromise'], { cwd: workDir });
    expect(revoke.code).toBe(0);
    const file = JSON.parse(readFileSync(inWork('ca/revocations.json'), 'utf8')) as { revoked: Array<{ serialNumber: string; reason: string }> };
    expect(file.revoked).toEqual([expect.objectContaining({ serialNumber: certificate.serialNumber, reason: 'keyCompromise' })]);

    const list = await runIspHub(['certs', 'list'], { cwd: workDir });
    expect(list.code).toBe(0);
    const policeLine = list.stdout.split('\n').find((line) => line.startsWith(certificate.serialNumber) && line.includes('agencies/nv-police/cert.pem'));
    expect(policeLine).toMatch(/agency +nv-police\/police .* revoked /);
    expect(list.stdout).toMatch(/hub-tls +isp-hub\/hub-tls .* valid +hub\/tls-cert\.pem/);
    expect(list.stdout).toContain('revoked (1):');
  });

  it('init --demonstration makes a CA that inspect reports as demonstration-only', async () => {
    const result = await runIspHub(['certs', 'init', '--dir', 'demo-ca', '--name', 'Northvale Demo CA', '--demonstration', '--algorithm', 'Ed25519'], {
      cwd: workDir,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('DEMONSTRATION ONLY');
    expect(result.stdout).toContain('demonstration:       yes');
    expect(result.stdout).toContain('key algorithm:       Ed25519');
  });

  it('--help describes each certs command', async () => {
    const commands = ['init', 'issue', 'revoke', 'list', 'inspect'];
    const results = await Promise.all(commands.map((command) => runIspHub(['certs', command, '--help'], { cwd: workDir })));
    results.forEach((result, index) => {
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: isp-hub certs ${commands[index]}`);
    });
  });
});
