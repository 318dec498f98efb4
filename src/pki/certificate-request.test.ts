import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslKeyAndCsr, opensslWorkspace } from '../../test/support/openssl.js';
import { isHubError, type HubErrorCode } from '../errors.js';
import {
  createCertificateRequest,
  describeCertificate,
  initCaDirectory,
  readCertificateRequest,
  recordIssuedCertificate,
  signCertificateRequest,
  writeIssuedCertificate,
  type CaDirectory,
} from './index.js';

const work = opensslWorkspace();
let caDirectory: CaDirectory;

beforeAll(async () => {
  caDirectory = await initCaDirectory(work.file('ca'), { name: 'Northvale CSR Test CA', organisation: 'Northvale PPO Scheme', validityDays: 30 });
});
afterAll(() => work.remove());

async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'accepted';
  } catch (error) {
    return isHubError(error) ? error.code : String(error);
  }
}

async function expectRefused(action: () => Promise<unknown>, code: HubErrorCode, message: RegExp): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(isHubError(error) ? { code: error.code, message: error.message } : error).toMatchObject({ code, message: expect.stringMatching(message) });
    return;
  }
  throw new Error(`expected ${code}, the request was accepted`);
}

const csrFile = (file: string) => readFileSync(file);
/** The DER inside a PEM file. */
const derOf = (file: string) => Buffer.from(readFileSync(file, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const opensslVerify = (certificatePem: string) =>
  openssl(['verify', '-CAfile', work.file('ca/cert.pem'), work.write(`leaf-${Math.random().toString(36).slice(2)}.pem`, certificatePem)]).trim();
const agency = (id: string, extra: Record<string, unknown> = {}) => ({ kind: 'agency' as const, id, role: 'housing', ...extra });

describe('certifying a key from a certificate signing request', () => {
  it('certifies a P-256 key and CSR made by openssl alone, with the scheme profile and not what the CSR asked for', async () => {
    const { key, csr } = opensslKeyAndCsr(work.dir, 'openssl-p256', 'P-256', [
      '-subj',
      '/CN=nv-someone-else/OU=hub-tls/O=Evil Corp',
      '-addext',
      'subjectAltName=DNS:evil.example',
      '-addext',
      'extendedKeyUsage=codeSigning',
    ]);
    const issued = await signCertificateRequest(caDirectory, csrFile(csr), agency('nv-openssl'));
    expect(issued.privateKey).toBeUndefined();
    expect(issued.privateKeyPem).toBeUndefined();
    expect(opensslVerify(issued.certificatePem)).toMatch(/: OK$/);
    expect(issued.certificate.publicKey.equals(createPublicKey(createPrivateKey(readFileSync(key, 'utf8'))))).toBe(true);
    const info = describeCertificate(issued.certificate);
    expect(info.subject).toEqual({ commonName: 'nv-openssl', organisationalUnit: 'housing', organisation: 'Northvale PPO Scheme' });
    expect(info.kind).toBe('agency');
    expect(info.dnsNames).toEqual([]);
    expect(info.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']);
    expect(info.keyUsage).toEqual(['digitalSignature', 'keyAgreement']);
  });

  it('certifies openssl Ed25519 and RSA-2048 requests, the RSA one as an encryption-only certificate', async () => {
    const ed = opensslKeyAndCsr(work.dir, 'openssl-ed25519', 'Ed25519');
    expect(describeCertificate((await signCertificateRequest(caDirectory, csrFile(ed.csr), agency('nv-ed'))).certificate).keyAlgorithm).toBe('Ed25519');
    const rsa = opensslKeyAndCsr(work.dir, 'openssl-rsa', 'RSA-2048');
    const issued = await signCertificateRequest(caDirectory, csrFile(rsa.csr), agency('nv-rsa', { encryptionOnly: true }));
    expect(describeCertificate(issued.certificate)).toMatchObject({ keyAlgorithm: 'RSA-2048', keyUsage: ['keyEncipherment'], extendedKeyUsage: [] });
    expect(issued.encryptionOnly).toBe(true);
  });

  it('certifies hub kinds from a request, and reads PEM with openssl\'s older NEW CERTIFICATE REQUEST label and DER', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'openssl-hub', 'P-256');
    openssl(['req', '-in', csr, '-outform', 'DER', '-out', work.file('hub.csr.der')]);
    const der = readFileSync(work.file('hub.csr.der'));
    const issued = await signCertificateRequest(caDirectory, der, { kind: 'hub-tls', dnsNames: ['hub.northvale.example'] });
    expect(describeCertificate(issued.certificate)).toMatchObject({ kind: 'hub-tls', dnsNames: ['localhost', 'hub.northvale.example'] });
    const legacyLabel = readFileSync(csr, 'utf8').replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST');
    expect((await readCertificateRequest(legacyLabel)).algorithm).toBe('P-256');
  });

  it('certifies a request made by isp-hub itself (certs request)', async () => {
    const created = await createCertificateRequest({ id: 'nv-own', role: 'housing' });
    expect(created.csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    // openssl prints "Certificate request self-signature verify OK" (on stderr) and exits 0.
    openssl(['req', '-in', work.write('own.csr.pem', created.csrPem), '-noout', '-verify']);
    const issued = await signCertificateRequest(caDirectory, created.csrPem, agency('nv-own'));
    expect(issued.certificate.publicKey.equals(createPublicKey(created.privateKey))).toBe(true);
  });
});

describe('a certificate signing request is refused, each case with its own code and message', () => {
  it('when its signature does not verify (the subject was altered after signing)', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'tampered', 'P-256', ['-subj', '/CN=nv-aaaaaa']);
    const der = derOf(csr);
    const at = der.indexOf(Buffer.from('nv-aaaaaa'));
    expect(at).toBeGreaterThan(0);
    der.write('nv-bbbbbb', at, 'latin1');
    await expectRefused(() => signCertificateRequest(caDirectory, der, agency('nv-tampered')), 'CSR_SIGNATURE_INVALID', /proof of possession/);
  });

  it('when its signature bytes are damaged', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'damaged', 'RSA-2048');
    const der = derOf(csr);
    der.writeUInt8(der.readUInt8(der.length - 1) ^ 0xff, der.length - 1);
    await expectRefused(() => signCertificateRequest(caDirectory, der, agency('nv-damaged')), 'CSR_SIGNATURE_INVALID', /proof of possession/);
  });

  it('when it is signed with SHA-1', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'sha1', 'P-256', ['-sha1']);
    await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-sha1')), 'CSR_SIGNATURE_INVALID', /SHA-256/);
  });

  it.each([
    ['a P-384 key', 'P-384', /only the P-256 curve/],
    ['an Ed448 key', 'Ed448', /key type not supported/],
    ['an RSA key below 2048 bits', 'RSA-1024', /shorter than 2048 bits/],
  ] as const)('when it carries %s', async (_label, keyType, message) => {
    const { csr } = opensslKeyAndCsr(work.dir, `refused-${keyType}`, keyType);
    await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-weak')), 'CERT_KEY_UNSUPPORTED', message);
  });

  it.each([
    ['basicConstraints cA=true', 'basicConstraints=critical,CA:TRUE', /cA=true/],
    ['keyCertSign', 'keyUsage=critical,keyCertSign,cRLSign', /keyCertSign or cRLSign/],
  ])('when it asks to be a CA (%s)', async (_label, extension, message) => {
    const { csr } = opensslKeyAndCsr(work.dir, `ca-${extension.length}`, 'P-256', ['-addext', extension]);
    await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-ca')), 'CSR_CA_REQUESTED', message);
  });

  it.each([
    ['PEM whose block is not PKCS#10', '-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----\n', /could not be parsed/],
    ['PEM of something else (a certificate)', '', /no CERTIFICATE REQUEST block/],
    ['DER that is not PKCS#10', 'random', /could not be parsed/],
    ['an empty file', 'empty', /1 to 65536 bytes/],
  ])('when it is malformed: %s', async (_label, text, message) => {
    const input =
      text === '' ? readFileSync(work.file('ca/cert.pem'), 'utf8') : text === 'random' ? Buffer.from('3082ffff0102030405', 'hex') : text === 'empty' ? Buffer.alloc(0) : text;
    await expectRefused(() => signCertificateRequest(caDirectory, input, agency('nv-malformed')), 'CSR_MALFORMED', message);
  });

  it('when its key is already certified to another agency, or to the hub', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'shared', 'P-256');
    const first = await signCertificateRequest(caDirectory, csrFile(csr), agency('nv-first'));
    await writeIssuedCertificate(work.file('agencies/nv-first'), first);
    await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-second')), 'CERT_KEY_IN_USE', /already certified to agency nv-first/);
    await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), { kind: 'hub-signing' }), 'CERT_KEY_IN_USE', /agency nv-first/);
    // The same key again for the same agency is a renewal that keeps its key: allowed.
    expect(await codeOf(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-first')))).toBe('accepted');
  });

  it('when its key is certified only in the CA\'s issued/ record (the certificate was sent away)', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'recorded', 'P-256');
    await recordIssuedCertificate(caDirectory.dir, await signCertificateRequest(caDirectory, csrFile(csr), agency('nv-recorded')));
    await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-other')), 'CERT_KEY_IN_USE', /nv-recorded/);
    // Also when the folder searched beside it is elsewhere: the record always counts.
    const elsewhere = opensslWorkspace();
    try {
      await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-other', { issuedRoot: elsewhere.dir })), 'CERT_KEY_IN_USE', /nv-recorded/);
    } finally {
      elsewhere.remove();
    }
  });

  it('when a certificate for its key was revoked for keyCompromise, even for the same agency', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'compromised', 'P-256');
    const issued = await signCertificateRequest(caDirectory, csrFile(csr), agency('nv-compromised'));
    await recordIssuedCertificate(caDirectory.dir, issued);
    await caDirectory.revocations.revoke(issued.serialNumber, 'keyCompromise');
    await expectRefused(() => signCertificateRequest(caDirectory, csrFile(csr), agency('nv-compromised')), 'CERT_KEY_IN_USE', /revoked for keyCompromise/);
  });

  it('when the profile refuses the key for the kind, or the agency role is a hub kind', async () => {
    const { csr } = opensslKeyAndCsr(work.dir, 'ed-hub-enc', 'Ed25519');
    expect(await codeOf(() => signCertificateRequest(caDirectory, csrFile(csr), { kind: 'hub-encryption' }))).toBe('CERT_KEY_UNSUPPORTED');
    const p256 = opensslKeyAndCsr(work.dir, 'bad-role', 'P-256');
    expect(await codeOf(() => signCertificateRequest(caDirectory, csrFile(p256.csr), { kind: 'agency', id: 'nv-x', role: 'hub-tls' }))).toBe('BAD_REQUEST');
  });

  it('and an X25519 key cannot make a request at all, since it cannot sign one', async () => {
    await expectRefused(() => createCertificateRequest({ id: 'nv-x', algorithm: 'X25519' }), 'CERT_KEY_UNSUPPORTED', /cannot sign/);
  });
});
