import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHubError, type HubErrorCode } from '../errors.js';
import {
  createCertificateAuthority,
  createRevocationListFile,
  createTrustStore,
  issueCertificate,
  openRevocationList,
  thumbprintS256,
  type CertificateAuthority,
  type IssuedCertificate,
  type RevocationList,
} from './index.js';
import { x509 } from './x509-library.js';

const DAY = 86_400_000;
let workDir: string;
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let demoCa: CertificateAuthority;
let police: IssuedCertificate;
let revocations: RevocationList;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'pki-trust-'));
  ca = await createCertificateAuthority({ name: 'Northvale Test CA', organisation: 'Northvale PPO Scheme' });
  otherCa = await createCertificateAuthority({ name: 'Elsewhere CA' });
  demoCa = await createCertificateAuthority({ name: 'Northvale Demo CA', demonstration: true });
  police = await issueCertificate(ca, { kind: 'agency', id: 'nv-police', role: 'police' });
  await createRevocationListFile(path.join(workDir, 'revocations.json'));
  revocations = await openRevocationList(path.join(workDir, 'revocations.json'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function expectCode(action: () => unknown, code: HubErrorCode): void {
  try {
    action();
  } catch (error) {
    expect(isHubError(error) ? error.code : error).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('createTrustStore().verify', () => {
  it('accepts an agency certificate for every usage its one key serves, naming agency and role', () => {
    const store = createTrustStore({ caCertificates: [ca.certificate], revocations });
    for (const usage of ['signing', 'encryption', 'tls-client', 'tls-server'] as const) {
      const verified = store.verify(police.certificate, { usage });
      expect(verified.subject).toEqual({ commonName: 'nv-police', agencyId: 'nv-police', role: 'police' });
      expect(verified.thumbprint).toBe(thumbprintS256(police.certificate));
      expect(verified.serialNumber).toBe(police.serialNumber);
      expect(verified.kind).toBe('agency');
      expect(verified.demonstration).toBe(false);
      expect(verified.notAfter.getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('accepts PEM text and DER as well as parsed certificates', () => {
    const store = createTrustStore({ caCertificates: [ca.certificate] });
    expect(store.verify(police.certificatePem, { usage: 'signing' }).serialNumber).toBe(police.serialNumber);
    expect(store.verify(police.certificate.raw, { usage: 'signing' }).serialNumber).toBe(police.serialNumber);
  });

  it('gives hub certificates no agency id', async () => {
    const signing = await issueCertificate(ca, { kind: 'hub-signing' });
    const verified = createTrustStore({ caCertificates: [ca.certificate] }).verify(signing.certificate, { usage: 'signing' });
    expect(verified.subject).toEqual({ commonName: 'isp-hub' });
    expect(verified.kind).toBe('hub-signing');
  });

  it('refuses garbage with CERT_MALFORMED', () => {
    const store = createTrustStore({ caCertificates: [ca.certificate] });
    expectCode(() => store.verify(Buffer.from('not a certificate'), { usage: 'signing' }), 'CERT_MALFORMED');
    expectCode(() => store.verify('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', { usage: 'signing' }), 'CERT_MALFORMED');
  });

  it('refuses a certificate from another CA with CERT_UNTRUSTED_ISSUER', async () => {
    const stranger = await issueCertificate(otherCa, { kind: 'agency', id: 'nv-police', role: 'police' });
    const store = createTrustStore({ caCertificates: [ca.certificate] });
    expectCode(() => store.verify(stranger.certificate, { usage: 'signing' }), 'CERT_UNTRUSTED_ISSUER');
  });

  it('refuses a certificate whose issuer name is ours but whose signature is not', async () => {
    // Same subject name as the trusted CA, different key: only the signature tells them apart.
    const impostor = await createCertificateAuthority({ name: 'Northvale Test CA', organisation: 'Northvale PPO Scheme' });
    const forged = await issueCertificate(impostor, { kind: 'agency', id: 'nv-police', role: 'police' });
    expect(forged.certificate.issuer).toBe(ca.certificate.subject);
    expectCode(() => createTrustStore({ caCertificates: [ca.certificate] }).verify(forged.certificate, { usage: 'signing' }), 'CERT_UNTRUSTED_ISSUER');
  });

  it('refuses an expired certificate with CERT_EXPIRED', async () => {
    const expired = await issueCertificate(ca, {
      kind: 'agency',
      id: 'nv-police',
      role: 'police',
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    expectCode(() => createTrustStore({ caCertificates: [ca.certificate] }).verify(expired.certificate, { usage: 'signing' }), 'CERT_EXPIRED');
  });

  it('refuses a not-yet-valid certificate with CERT_NOT_YET_VALID', async () => {
    const future = await issueCertificate(ca, { kind: 'agency', id: 'nv-police', role: 'police', notBefore: new Date(Date.now() + DAY) });
    expectCode(() => createTrustStore({ caCertificates: [ca.certificate] }).verify(future.certificate, { usage: 'signing' }), 'CERT_NOT_YET_VALID');
  });

  it('judges validity at the given instant, and checks the CA dates too', async () => {
    const store = createTrustStore({ caCertificates: [ca.certificate] });
    expectCode(() => store.verify(police.certificate, { usage: 'signing', at: new Date(Date.now() + 6 * 365 * DAY) }), 'CERT_EXPIRED');
    expectCode(() => store.verify(police.certificate, { usage: 'signing', at: new Date(Date.now() - DAY) }), 'CERT_NOT_YET_VALID');
    // A leaf that is itself still valid, under a CA that has expired.
    const shortCa = await createCertificateAuthority({ name: 'Short CA', validityDays: 1, notBefore: new Date(Date.now() - 10 * DAY) });
    const leaf = await issueCertificate(shortCa, { kind: 'hub-signing', notBefore: new Date(Date.now() - 10 * DAY) });
    expectCode(() => createTrustStore({ caCertificates: [shortCa.certificate] }).verify(leaf.certificate, { usage: 'signing' }), 'CERT_EXPIRED');
  });

  it('refuses a revoked certificate with CERT_REVOKED, even after a cached success', async () => {
    const victim = await issueCertificate(ca, { kind: 'agency', id: 'nv-housing', role: 'housing' });
    const store = createTrustStore({ caCertificates: [ca.certificate], revocations });
    expect(store.verify(victim.certificate, { usage: 'tls-client' }).subject.agencyId).toBe('nv-housing');
    await revocations.revoke(victim.serialNumber, 'keyCompromise');
    expectCode(() => store.verify(victim.certificate, { usage: 'tls-client' }), 'CERT_REVOKED');
    // Other certificates are unaffected.
    expect(store.verify(police.certificate, { usage: 'tls-client' }).subject.agencyId).toBe('nv-police');
  });

  it('refuses a certificate used for what its key usage does not allow with CERT_KEY_USAGE', async () => {
    const store = createTrustStore({ caCertificates: [ca.certificate] });
    const signing = await issueCertificate(ca, { kind: 'hub-signing' });
    const encryption = await issueCertificate(ca, { kind: 'hub-encryption' });
    const ed25519Agency = await issueCertificate(ca, { kind: 'agency', id: 'nv-cps', role: 'cps', algorithm: 'Ed25519' });
    expectCode(() => store.verify(signing.certificate, { usage: 'encryption' }), 'CERT_KEY_USAGE');
    expectCode(() => store.verify(signing.certificate, { usage: 'tls-client' }), 'CERT_KEY_USAGE');
    expectCode(() => store.verify(encryption.certificate, { usage: 'signing' }), 'CERT_KEY_USAGE');
    expectCode(() => store.verify(encryption.certificate, { usage: 'tls-server' }), 'CERT_KEY_USAGE');
    expectCode(() => store.verify(ed25519Agency.certificate, { usage: 'encryption' }), 'CERT_KEY_USAGE');
    expectCode(() => store.verify(ca.certificate, { usage: 'signing' }), 'CERT_KEY_USAGE');
    expect(store.verify(encryption.certificate, { usage: 'encryption' }).kind).toBe('hub-encryption');
  });

  it('refuses a chain in which a leaf acts as a CA with CERT_NOT_CA', async () => {
    // A certificate "issued" by the police leaf's key, naming the leaf as issuer.
    const leafParsed = new x509.X509Certificate(police.certificate.raw);
    const signingKey = await globalThis.crypto.subtle.importKey(
      'pkcs8',
      police.privateKey!.export({ type: 'pkcs8', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const keys = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const child = await x509.X509CertificateGenerator.create({
      serialNumber: '0badc0de',
      subject: 'CN=nv-rogue, OU=police',
      issuer: leafParsed.subjectName,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as never,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    });
    const childDer = Buffer.from(child.rawData);
    const store = createTrustStore({ caCertificates: [ca.certificate] });
    expectCode(() => store.verify(childDer, { usage: 'signing', intermediates: [police.certificate] }), 'CERT_NOT_CA');
    // Configuring a leaf as a trust anchor is refused at once.
    expectCode(() => createTrustStore({ caCertificates: [police.certificate] }), 'CERT_NOT_CA');
  });

  it('refuses anything chained to a demonstration CA when refuseDemonstration is set', async () => {
    const demoLeaf = await issueCertificate(demoCa, { kind: 'agency', id: 'nv-police', role: 'police' });
    const development = createTrustStore({ caCertificates: [ca.certificate, demoCa.certificate] });
    expect(development.verify(demoLeaf.certificate, { usage: 'signing' }).demonstration).toBe(true);
    const production = createTrustStore({ caCertificates: [ca.certificate, demoCa.certificate], refuseDemonstration: true });
    expectCode(() => production.verify(demoLeaf.certificate, { usage: 'signing' }), 'CERT_DEMO_IN_PRODUCTION');
    // A real scheme CA is still accepted in production mode.
    expect(production.verify(police.certificate, { usage: 'signing' }).demonstration).toBe(false);
  });

  it('stays correct when the same certificate is verified many times for different usages', async () => {
    const store = createTrustStore({ caCertificates: [ca.certificate], cacheSize: 2 });
    const signing = await issueCertificate(ca, { kind: 'hub-signing' });
    for (let round = 0; round < 3; round += 1) {
      expect(store.verify(police.certificate, { usage: 'encryption' }).serialNumber).toBe(police.serialNumber);
      expect(store.verify(signing.certificate, { usage: 'signing' }).serialNumber).toBe(signing.serialNumber);
      expectCode(() => store.verify(signing.certificate, { usage: 'encryption' }), 'CERT_KEY_USAGE');
    }
  });
});
