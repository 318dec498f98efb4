import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { call, createTestScheme, startTestHub, type TestHub, type TestScheme } from './support/hub-fixture.js';

let redis: TestRedis;
let scheme: TestScheme;
let hub: TestHub;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  scheme = await createTestScheme();
  hub = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: redis.newPrefix() });
});
afterAll(async () => {
  await hub?.close();
  await redis?.stop();
});

describe('mutual TLS identity', () => {
  it('gives the route the agency of a good client certificate', async () => {
    const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme.police });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ agencyId: 'nv-police', role: 'police', thumbprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  });

  it('answers 401 CLIENT_CERT_REQUIRED with an audit entry when no certificate is sent', async () => {
    const before = hub.audit.length;
    const response = await call(hub, scheme, { path: '/v1/whoami' });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('CLIENT_CERT_REQUIRED');
    expect(hub.audit.slice(before)).toEqual([
      expect.objectContaining({ event: 'authentication-failed', agency: 'unknown', outcome: 'CLIENT_CERT_REQUIRED', decision: 'deny' }),
    ]);
  });

  it('refuses a certificate from another CA (401 CERT_UNTRUSTED_ISSUER) and audits it against no agency', async () => {
    const before = hub.audit.length;
    const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme.stranger });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('CERT_UNTRUSTED_ISSUER');
    const [entry] = hub.audit.slice(before);
    expect(entry).toMatchObject({ event: 'authentication-failed', agency: 'unknown', outcome: 'CERT_UNTRUSTED_ISSUER' });
    expect(entry?.reason).toContain('CERT_UNTRUSTED_ISSUER');
  });

  it.each([
    ['expiredPolice', 'CERT_EXPIRED'],
    ['revokedPolice', 'CERT_REVOKED'],
  ] as const)('refuses the %s certificate with 401 %s and audits it against the agency it names', async (which, code) => {
    const before = hub.audit.length;
    const response = await call(hub, scheme, { path: '/v1/whoami', client: scheme[which] });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe(code);
    expect(hub.audit.slice(before)).toEqual([expect.objectContaining({ event: 'authentication-failed', agency: 'nv-police', outcome: code })]);
  });

  it('checks identity before reading the body: an oversized body from an unknown caller gets 401, not 413', async () => {
    const response = await call(hub, scheme, {
      method: 'POST',
      path: '/v1/echo-json',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(10_000) }),
    });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('CLIENT_CERT_REQUIRED');
  });

  it('keeps the connection alive between requests and identifies each request on it', async () => {
    const { Agent } = await import('node:https');
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: scheme.ca.certPem, cert: scheme.yot.certPem, key: scheme.yot.keyPem });
    const first = await call(hub, scheme, { path: '/v1/whoami', agent });
    const second = await call(hub, scheme, { path: '/v1/whoami', agent });
    agent.destroy();
    expect(first.headers.connection).toBe('keep-alive');
    expect([first.json().agencyId, second.json().agencyId]).toEqual(['nv-yot', 'nv-yot']);
  });

  it('ignores a client-certificate header when proxy mode is off', async () => {
    const response = await call(hub, scheme, {
      path: '/v1/whoami',
      headers: { 'x-client-cert': encodeURIComponent(scheme.police.certPem) },
    });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('CLIENT_CERT_REQUIRED');
  });
});

describe('behind a TLS-terminating proxy (TRUSTED_PROXIES set)', () => {
  let proxied: TestHub;
  beforeAll(async () => {
    proxied = await startTestHub({ scheme, redis: redis.connect(), keyPrefix: redis.newPrefix(), config: { TRUSTED_PROXIES: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await proxied?.close();
  });
  const header = (pem: string) => ({ 'x-client-cert': encodeURIComponent(pem) });

  it('believes the header from a trusted proxy address', async () => {
    const response = await call(proxied, scheme, { path: '/v1/whoami', headers: header(scheme.police.certPem) });
    expect(response.status).toBe(200);
    expect(response.json().agencyId).toBe('nv-police');
  });

  it('ignores the header from any other address (no TLS certificate: 401 CLIENT_CERT_REQUIRED)', async () => {
    const response = await call(proxied, scheme, { path: '/v1/whoami', headers: header(scheme.police.certPem), localAddress: '127.0.0.2' });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('CLIENT_CERT_REQUIRED');
  });

  it('from another address, uses the caller’s own TLS certificate, never the header', async () => {
    const response = await call(proxied, scheme, {
      path: '/v1/whoami',
      client: scheme.yot,
      headers: header(scheme.police.certPem),
      localAddress: '127.0.0.2',
    });
    expect(response.status).toBe(200);
    expect(response.json().agencyId).toBe('nv-yot');
  });

  it('still checks a proxied certificate: another CA is 401 with an audit entry', async () => {
    const before = proxied.audit.length;
    const response = await call(proxied, scheme, { path: '/v1/whoami', headers: header(scheme.stranger.certPem) });
    expect(response.status).toBe(401);
    expect(response.json().error.code).toBe('CERT_UNTRUSTED_ISSUER');
    expect(proxied.audit.slice(before)).toEqual([expect.objectContaining({ event: 'authentication-failed', outcome: 'CERT_UNTRUSTED_ISSUER' })]);
  });

  it('answers CERT_MALFORMED for a header that is not a certificate', async () => {
    const response = await call(proxied, scheme, { path: '/v1/whoami', headers: { 'x-client-cert': 'not%20a%20certificate' } });
    expect(response.json().error.code).toBe('CERT_MALFORMED');
    expect(response.status).toBe(400);
  });
});
