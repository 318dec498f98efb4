import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../../../test/support/cli.js';
import { openssl, opensslKeyAndCsr } from '../../../test/support/openssl.js';
import { readCertificatePem, thumbprintS256 } from '../../pki/index.js';

/**
 * `isp-hub certs request` at the agency and `isp-hub certs sign` at the CA
 * operator, each run as a child process the way they would be.
 */
let workDir: string;
const inWork = (...parts: string[]) => path.join(workDir, ...parts);
/** Every file under a folder, relative to it: what a refusal must leave unchanged. */
const filesUnder = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort() : []);

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'certs-enrol-'));
  const result = await runIspHub(['certs', 'init', '--dir', 'operator/ca', '--name', 'Northvale Enrolment CA', '--organisation', 'Northvale PPO Scheme'], { cwd: workDir });
  expect(result.code, result.stderr).toBe(0);
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('enrolment by certificate signing request', { timeout: 120_000 }, () => {
  it('request writes an owner-only private key and a CSR, and nothing else', async () => {
    const result = await runIspHub(['certs', 'request', '--id', 'nv-newtown', '--role', 'housing', '--out', 'agency'], { cwd: workDir });
    expect(result.code, result.stderr).toBe(0);
    expect(filesUnder(inWork('agency'))).toEqual(['csr.pem', 'key.pem']);
    expect(statSync(inWork('agency/key.pem')).mode & 0o777).toBe(0o600);
    expect(openssl(['req', '-in', inWork('agency/csr.pem'), '-noout', '-subject'])).toContain('CN = nv-newtown');
    expect(result.stdout).toContain('send this to the scheme operator');
  });

  it('request refuses to write over a key already there, and writes nothing', async () => {
    const before = readFileSync(inWork('agency/key.pem'), 'utf8');
    const result = await runIspHub(['certs', 'request', '--id', 'nv-newtown', '--role', 'housing', '--out', 'agency'], { cwd: workDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/BAD_REQUEST: .*key\.pem already exists; nothing was written/);
    expect(readFileSync(inWork('agency/key.pem'), 'utf8')).toBe(before);
  });

  it('request --encryption makes an RSA encryption key and request beside the main pair; X25519 is refused', async () => {
    const result = await runIspHub(['certs', 'request', '--id', 'nv-newtown', '--role', 'housing', '--algorithm', 'RSA-2048', '--encryption', '--out', 'agency'], { cwd: workDir });
    expect(result.code, result.stderr).toBe(0);
    expect(filesUnder(inWork('agency'))).toEqual(['csr.pem', 'encryption-csr.pem', 'encryption-key.pem', 'key.pem']);
    const x25519 = await runIspHub(['certs', 'request', '--id', 'nv-newtown', '--role', 'housing', '--algorithm', 'X25519', '--out', 'agency-x'], { cwd: workDir });
    expect(x25519.code).toBe(2);
    expect(x25519.stderr).toContain('CERT_KEY_UNSUPPORTED');
    expect(existsSync(inWork('agency-x'))).toBe(false);
  });

  it('sign certifies the request with no key, prints the agencies.yaml fields, and openssl verify accepts it', async () => {
    const result = await runIspHub(['certs', 'sign', '--csr', 'agency/csr.pem', '--kind', 'agency', '--id', 'nv-newtown', '--role', 'housing', '--ca', 'operator/ca'], { cwd: workDir });
    expect(result.code, result.stderr).toBe(0);
    expect(filesUnder(inWork('operator/agencies/nv-newtown'))).toEqual(['cert.pem', 'chain.pem']);
    const certificate = readCertificatePem(readFileSync(inWork('operator/agencies/nv-newtown/cert.pem'), 'utf8'));
    expect(openssl(['verify', '-CAfile', inWork('operator/ca/cert.pem'), inWork('operator/agencies/nv-newtown/cert.pem')])).toMatch(/: OK\n$/);
    expect(openssl(['x509', '-in', inWork('operator/agencies/nv-newtown/cert.pem'), '-noout', '-pubkey'])).toBe(openssl(['pkey', '-in', inWork('agency/key.pem'), '-pubout']));
    expect(result.stdout).toContain('add to policies/agencies.yaml');
    expect(result.stdout).toContain('  - id: nv-newtown\n    role: housing\n');
    expect(result.stdout).toContain(`    certificate: sha256:${thumbprintS256(certificate)}\n`);
    // The CA keeps its own record of what it issued.
    expect(filesUnder(inWork('operator/ca/issued'))).toHaveLength(1);

    const encryption = await runIspHub(
      ['certs', 'sign', '--csr', 'agency/encryption-csr.pem', '--kind', 'agency', '--id', 'nv-newtown', '--role', 'housing', '--encryption', '--ca', 'operator/ca'],
      { cwd: workDir },
    );
    expect(encryption.code, encryption.stderr).toBe(0);
    expect(encryption.stdout).toContain(`    encryptionCertificate: ${inWork('operator/agencies/nv-newtown/encryption-cert.pem')}`);
    expect(openssl(['x509', '-in', inWork('operator/agencies/nv-newtown/encryption-cert.pem'), '-noout', '-ext', 'keyUsage'])).toMatch(/Key Encipherment\n$/);
  });

  it('sign refuses each bad request with its code, and writes nothing', async () => {
    const dir = inWork('bad');
    cpSync(inWork('agency'), dir, { recursive: true });
    opensslKeyAndCsr(dir, 'ca', 'P-256', ['-addext', 'basicConstraints=critical,CA:TRUE']);
    opensslKeyAndCsr(dir, 'short', 'RSA-1024');
    const cases: Array<[string[], string]> = [
      [['--csr', 'bad/ca.csr.pem', '--kind', 'agency', '--id', 'nv-evil', '--role', 'housing'], 'CSR_CA_REQUESTED'],
      [['--csr', 'bad/short.csr.pem', '--kind', 'agency', '--id', 'nv-evil', '--role', 'housing'], 'CERT_KEY_UNSUPPORTED'],
      [['--csr', 'bad/key.pem', '--kind', 'agency', '--id', 'nv-evil', '--role', 'housing'], 'CSR_MALFORMED'],
      [['--csr', 'bad/csr.pem', '--kind', 'agency', '--id', 'nv-evil', '--role', 'housing'], 'CERT_KEY_IN_USE'],
      [['--csr', 'bad/nothing.pem', '--kind', 'agency', '--id', 'nv-evil', '--role', 'housing'], 'NOT_FOUND'],
      [['--csr', 'bad/csr.pem', '--kind', 'hub-tls', '--encryption'], 'BAD_REQUEST'],
    ];
    const before = filesUnder(inWork('operator'));
    for (const [args, code] of cases) {
      const result = await runIspHub(['certs', 'sign', ...args, '--ca', 'operator/ca'], { cwd: workDir });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`isp-hub: ${code}: `);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(filesUnder(inWork('operator'))).toEqual(before);
  });

  it('--help names request and sign', async () => {
    const result = await runIspHub(['certs', '--help'], { cwd: workDir });
    expect(result.stdout).toMatch(/request .*at the agency/);
    expect(result.stdout).toMatch(/sign .*at the CA operator/);
  });
});
