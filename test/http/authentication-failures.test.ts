import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.js';
import { networkOf } from '../../src/http/authentication-failures.js';
import { dpoBearer } from '../../src/http/routes/audit-bearer.js';
import type { RouteModule } from '../../src/http/index.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { call, createTestScheme, startTestHub, whoAmIRoutes, type TestHub, type TestScheme } from './support/hub-fixture.js';

/**
 * A flood of failed sign-ins from one network address cannot fill the audit
 * log: past AUTH_FAILURES_AUDITED_PER_MINUTE the hub answers 429 with
 * Retry-After, writes one entry saying so, and no entry per failure after
 * it, while good certificates and other addresses are unaffected.
 */
const LIMIT = 3;
const WINDOW_MS = 1500;

/** A DPO route whose every token is refused, so the bearer's refusal path is what answers. */
const refusingDpoRoute: RouteModule = (router, deps) => {
  const verifier = { verify: async () => Promise.reject(new HubError('TOKEN_INVALID', 'refused in this test')) };
  router.get('/v1/audit/ping', dpoBearer(verifier as never, deps.authenticationFailures), (_req, res) => void res.json({ ok: true }));
};

let redis: TestRedis;
let scheme: TestScheme;
let hub: TestHub;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  scheme = await createTestScheme();
  hub = await startTestHub({
    scheme,
    redis: redis.connect(),
    keyPrefix: redis.newPrefix(),
    authFailureLimit: LIMIT,
    authFailureWindowMs: WINDOW_MS,
    routes: { public: [refusingDpoRoute], agency: [whoAmIRoutes] },
  });
});
afterAll(async () => {
  await hub?.close();
  await redis?.stop();
});

async function nextWindow(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100));
}

const authEntries = (from: number) => hub.audit.slice(from).filter((entry) => entry.event === 'authentication-failed');

describe('a flood of failed sign-ins from one address', () => {
  it('audits each failure up to the limit, then one entry saying the limit was reached, then none, answering 429 with Retry-After', async () => {
    await nextWindow();
    const before = hub.audit.length;
    const answers = [];
    for (let i = 0; i < LIMIT + 3; i += 1) answers.push(await call(hub, scheme, { path: '/v1/whoami', client: i % 2 === 0 ? undefined : scheme.stranger }));

    expect(answers.map((answer) => [answer.status, answer.json().error.code])).toEqual([
      [401, 'CLIENT_CERT_REQUIRED'],
      [401, 'CERT_UNTRUSTED_ISSUER'],
      [401, 'CLIENT_CERT_REQUIRED'],
      [429, 'AUTH_FAILURES_LIMITED'],
      [429, 'AUTH_FAILURES_LIMITED'],
      [429, 'AUTH_FAILURES_LIMITED'],
    ]);
    for (const answer of answers.slice(LIMIT)) {
      const retryAfter = Number(answer.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1000));
    }
    const entries = authEntries(before);
    expect(entries.map((entry) => entry.outcome)).toEqual(['CLIENT_CERT_REQUIRED', 'CERT_UNTRUSTED_ISSUER', 'CLIENT_CERT_REQUIRED', 'AUTH_FAILURES_LIMITED']);
    expect(entries[3]).toMatchObject({ agency: 'unknown', decision: 'deny' });
    expect(entries[3]?.reason).toMatch(/More than 3 authentication failures in a minute from one network address \(this one: CERT_UNTRUSTED_ISSUER\)/);
    expect(entries[3]?.reason).not.toContain('127.0.0.1');

    const metrics = await call(hub, scheme, { path: '/metrics' });
    expect(metrics.text).toMatch(/isp_hub_authentication_failures_total\{recorded="yes"\} 4/);
    expect(metrics.text).toMatch(/isp_hub_authentication_failures_total\{recorded="no"\} 2/);
  });

  it('never limits a good certificate, nor another address, while one address is limited', async () => {
    await nextWindow();
    for (let i = 0; i <= LIMIT; i += 1) await call(hub, scheme, { path: '/v1/whoami' });
    expect((await call(hub, scheme, { path: '/v1/whoami' })).status).toBe(429);

    const good = await call(hub, scheme, { path: '/v1/whoami', client: scheme.police });
    expect(good.status).toBe(200);
    const before = hub.audit.length;
    const elsewhere = await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.2' });
    expect([elsewhere.status, elsewhere.json().error.code]).toEqual([401, 'CLIENT_CERT_REQUIRED']);
    expect(authEntries(before).map((entry) => entry.outcome)).toEqual(['CLIENT_CERT_REQUIRED']);
  });

  it('audits failures one by one again once the window has passed', async () => {
    await nextWindow();
    for (let i = 0; i <= LIMIT; i += 1) await call(hub, scheme, { path: '/v1/whoami' });
    await nextWindow();
    const before = hub.audit.length;
    const answer = await call(hub, scheme, { path: '/v1/whoami' });
    expect(answer.status).toBe(401);
    expect(authEntries(before).map((entry) => entry.outcome)).toEqual(['CLIENT_CERT_REQUIRED']);
  });

  it('counts refused DPO tokens the same way: audited up to the limit, then 429 with one entry', async () => {
    await nextWindow();
    const before = hub.audit.length;
    const answers = [];
    for (let i = 0; i < LIMIT + 2; i += 1) answers.push(await call(hub, scheme, { path: '/v1/audit/ping', headers: { authorization: 'Bearer forged.token.value' } }));
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 429, 429]);
    expect(answers[0]?.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(authEntries(before).map((entry) => [entry.outcome, entry.decision])).toEqual([
      ['TOKEN_INVALID', 'not-applicable'],
      ['TOKEN_INVALID', 'not-applicable'],
      ['TOKEN_INVALID', 'not-applicable'],
      ['AUTH_FAILURES_LIMITED', 'not-applicable'],
    ]);
  });
});

describe('the network address a failure counts against', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
    ['not an address', 'unknown'],
  ])('%s counts as %s', (address, network) => {
    expect(networkOf(address)).toBe(network);
  });
});
