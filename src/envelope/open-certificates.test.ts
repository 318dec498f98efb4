import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../errors.js';
import {
  createCertificateAuthority,
  createRevocationListFile,
  createTrustStore,
  issueCertificate,
  openRevocationList,
  thumbprintS256,
  type CertificateAuthority,
  type IssueCertificateOptions,
  type RevocationList,
  type TrustStore,
} from '../pki/index.js';
import { open, seal, type OpenOptions, type ResolvedSigner } from './index.js';
import { createTestRecipient, testClaims, type TestRecipient } from './test-fixtures.js';
import { expectHubError } from './test-helpers.js';

/**
 * The certificate cases of bad input: open() hands the signer's
 * thumbprint to a resolveSigner backed by a registry (a map here) and the
 * src/pki trust store, and lets the trust store's CERT_* code through.
 */

const DAY = 86_400_000;
let dir: string;
let schemeCa: CertificateAuthority;
let otherCa: CertificateAuthority;
let revocations: RevocationList;
let trustStore: TrustStore;
let hubKey: TestRecipient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'isp-envelope-pki-'));
  schemeCa = await createCertificateAuthority({ name: 'Northvale Test Scheme CA' });
  otherCa = await createCertificateAuthority({ name: 'Elsewhere Test CA' });
  const revocationPath = path.join(dir, 'revocations.json');
  await createRevocationListFile(revocationPath);
  revocations = await openRevocationList(revocationPath);
  trustStore = createTrustStore({ caCertificates: [schemeCa.certificate], revocations });
  hubKey = createTestRecipient('P-256', 'hub-enc-1');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The registry: certificates by thumbprint; then the trust store decides whether the certificate may sign. */
function registryResolver(certificates: readonly X509Certificate[]) {
  const calls: string[] = [];
  const resolve = async (thumbprint: string): Promise<ResolvedSigner> => {
    calls.push(thumbprint);
    const certificate = certificates.find((candidate) => thumbprintS256(candidate) === thumbprint);
    if (!certificate) throw new HubError('JWS_SIGNER_UNKNOWN', 'no registered certificate has this thumbprint');
    const verified = trustStore.verify(certificate, { usage: 'signing' });
    return { publicKey: certificate.publicKey, certificate, verified };
  };
  return { resolve, calls };
}

async function sealedBy(ca: CertificateAuthority, issue: Partial<IssueCertificateOptions> = {}) {
  const issued = await issueCertificate(ca, { kind: 'agency', id: 'northvale-police', role: 'police', algorithm: 'P-256', ...issue });
  if (!issued.privateKey) throw new TypeError('expected a generated key');
  const compact = await seal({ claims: testClaims(), signer: { privateKey: issued.privateKey, certificate: issued.certificate }, recipient: hubKey });
  const resolver = registryResolver([issued.certificate]);
  const options: OpenOptions = {
    decryptionKeys: [hubKey],
    resolveSigner: resolver.resolve,
    audience: 'isp-hub',
    clockSkewSeconds: 60,
    maxLifetimeSeconds: 3600,
    maxBytes: 64 * 1024,
  };
  return { issued, compact, resolver, options };
}

describe('open lets the trust store refuse the signer', () => {
  it('a control: a current, unrevoked signing certificate of the scheme CA opens', async () => {
    const { compact, options, issued } = await sealedBy(schemeCa);
    const opened = await open(compact, options);
    expect(opened.signerThumbprint).toBe(issued.thumbprint);
    expect(opened.signer.verified).toMatchObject({ subject: { agencyId: 'northvale-police' } });
  });

  it('a certificate from another CA', async () => {
    const { compact, options, resolver } = await sealedBy(otherCa);
    await expectHubError(open(compact, options), 'CERT_UNTRUSTED_ISSUER');
    expect(resolver.calls).toHaveLength(1);
  });

  it('an expired certificate', async () => {
    const { compact, options } = await sealedBy(schemeCa, { notBefore: new Date(Date.now() - 40 * DAY), notAfter: new Date(Date.now() - DAY) });
    await expectHubError(open(compact, options), 'CERT_EXPIRED');
  });

  it('a certificate that is not yet valid', async () => {
    const { compact, options } = await sealedBy(schemeCa, { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 40 * DAY) });
    await expectHubError(open(compact, options), 'CERT_NOT_YET_VALID');
  });

  it('a revoked certificate', async () => {
    const { compact, options, issued } = await sealedBy(schemeCa);
    await revocations.revoke(issued.serialNumber, 'keyCompromise');
    await expectHubError(open(compact, options), 'CERT_REVOKED');
  });

  it('a certificate without the signing key usage (the hub encryption certificate used to sign)', async () => {
    const { compact, options } = await sealedBy(schemeCa, { kind: 'hub-encryption', id: undefined, role: undefined });
    await expectHubError(open(compact, options), 'CERT_KEY_USAGE');
  });
});
