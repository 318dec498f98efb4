import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgencyIdentifier } from '../../src/http/index.js';
import { createTrustStore, openRevocationList, readCertificatePem } from '../../src/pki/index.js';
import { loadRegistry } from '../../src/registry/index.js';
import { repoRoot } from '../support/cli.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { call, createTestScheme, startTestHub, type TestHub, type TestScheme } from './support/hub-fixture.js';
import type { IssuedCertificate } from './support/test-pki.js';

/**
 * The same HTTPS/mTLS hub, but with the demonstration certificates of
 * certs-example/ and an identify() backed by the real pki trust store
 * (with its revocation list) and the registry of policies/agencies.yaml.
 */
const examples = path.join(repoRoot, 'certs-example');
async function exampleParty(folder: string): Promise<IssuedCertificate> {
  const certPem = await readFile(path.join(examples, folder, 'cert.pem'), 'utf8');
  return { certPem, keyPem: await readFile(path.join(examples, folder, 'key.pem'), 'utf8'), x509: readCertificatePem(certPem) };
}

let redis: TestRedis;
let scheme: TestScheme;
let hub: TestHub;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  const generated = await createTestScheme();
  const caPem = await readFile(path.join(examples, 'ca/cert.pem'), 'utf8');
  const hubTls = {
    certPem: await readFile(path.join(examples, 'hub/tls-cert.pem'), 'utf8'),
    keyPem: await readFile(path.join(examples, 'hub/tls-key.pem'), 'utf8'),
    x509: readCertificatePem(await readFile(path.join(examples, 'hub/tls-cert.pem'), 'utf8')),
  };
  const trustStore = createTrustStore({
    caCertificates: [readCertificatePem(caPem)],
    revocations: await openRevocationList(path.join(examples, 'ca/revocations.json')),
  });
  const registry = await loadRegistry(path.join(repoRoot, 'policies/agencies.yaml'));
  scheme = {
    ...generated,
    ca: { ...generated.ca, certPem: caPem },
    hubTls,
    police: await exampleParty('agencies/nv-police'),
    yot: await exampleParty('agencies/nv-yot'),
    expiredPolice: await exampleParty('test-only/expired-police'),
    revokedPolice: await exampleParty('test-only/revoked-police'),
    identify: createAgencyIdentifier({ trustStore, registry }),
  };
  hub = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: redis.newPrefix() });
});
afterAll(async () => {
  await hub?.close();
  await redis?.stop();
});

describe('identity through the pki trust store and the registry (certs-example/)', () => {
  it('identifies an agency certificate with the role the registry gives', async () => {
    for (const [party, agencyId, role] of [
      ['police', 'nv-police', 'police'],
      ['yot', 'nv-yot', 'yot'],
    ] as const) {
      const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme[party] });
      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({ agencyId, role });
    }
  });

  it.each([
    ['expiredPolice', 'CERT_EXPIRED'],
    ['revokedPolice', 'CERT_REVOKED'],
  ] as const)('refuses %s with 401 %s, audited against nv-police', async (which, code) => {
    const before = hub.audit.length;
    const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme[which] });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe(code);
    expect(hub.audit.slice(before)).toEqual([expect.objectContaining({ event: 'authentication-failed', agency: 'nv-police', outcome: code })]);
  });

  it('refuses a certificate from another CA that claims to be nv-police, audited against no agency', async () => {
    const before = hub.audit.length;
    const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme.stranger });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('CERT_UNTRUSTED_ISSUER');
    expect(hub.audit.slice(before)).toEqual([expect.objectContaining({ agency: 'unknown', outcome: 'CERT_UNTRUSTED_ISSUER' })]);
  });

  it('refuses the hub’s own TLS certificate as a client: it names no agency', async () => {
    const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme.hubTls });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('AGENCY_UNKNOWN');
  });
});
