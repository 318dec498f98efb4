import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.js';
import { networkOf } from '../../src/http/authentication-failures.js';
import { dpoBearer } from '../../src/http/routes/audit-bearer.js';
import type { RouteModule } from '../../src/http/index.js';
import { eventually } from '../support/e2e.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { call, createTestScheme, startTestHub, whoAmIRoutes, type TestHub, type TestHubOptions, type TestScheme } from './support/hub-fixture.js';

/**
 * A flood of failed sign-ins cannot fill the audit log: past
 * AUTH_FAILURES_AUDITED_PER_MINUTE the hub answers 429 with Retry-After and
 * the refusal's own code, writes one entry saying so, and no entry per
 * failure after it. Good credentials are never limited, junk cannot silence
 * refusals of the scheme's own certificates, and many addresses together are
 * capped too. Each test fails from its own loopback address (127.0.0.0/8),
 * so the tests do not share a window.
 */
const LIMIT = 3;

/** A DPO route whose every token is refused, so the bearer's refusal path is what answers. */
const refusingDpoRoute: RouteModule = (router, deps) => {
  const verifier = { verify: async () => Promise.reject(new HubError('TOKEN_INVALID', 'refused in this test')) };
  router.get('/v1/audit/ping', dpoBearer(verifier as never, deps.authenticationFailures), (_req, res) => void res.json({ ok: true }));
};

let redis: TestRedis;
let scheme: TestScheme;
let hub: TestHub;
const hubs: TestHub[] = [];

async function startHub(options: Partial<TestHubOptions> = {}): Promise<TestHub> {
  const started = await startTestHub({
    scheme,
    redis: redis.connect(),
    keyPrefix: redis.newPrefix(),
    authFailureLimit: LIMIT,
    routes: { public: [refusingDpoRoute], agency: [whoAmIRoutes] },
    ...options,
  });
  hubs.push(started);
  return started;
}

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  scheme = await createTestScheme();
  hub = await startHub();
});
afterAll(async () => {
  await Promise.all(hubs.map((each) => each.close()));
  await redis?.stop();
});

const authEntries = (on: TestHub, from: number) => on.audit.slice(from).filter((entry) => entry.event === 'authentication-failed');
const codes = (answers: Array<{ status: number; json(): { error: { code: string } } }>) => answers.map((answer) => [answer.status, answer.json().error.code]);

describe('a flood of failed sign-ins', () => {
  it('from one address: each audited up to the limit, then one entry saying so, then none; 429 with Retry-After and the code it stands for', async () => {
    const before = hub.audit.length;
    const answers = [];
    for (let i = 0; i < LIMIT + 3; i += 1) answers.push(await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.11', client: i % 2 === 0 ? undefined : scheme.stranger }));

    expect(codes(answers)).toEqual([
      [401, 'CLIENT_CERT_REQUIRED'],
      [401, 'CERT_UNTRUSTED_ISSUER'],
      [401, 'CLIENT_CERT_REQUIRED'],
      [429, 'AUTH_FAILURES_LIMITED'],
      [429, 'AUTH_FAILURES_LIMITED'],
      [429, 'AUTH_FAILURES_LIMITED'],
    ]);
    expect(answers.slice(LIMIT).map((answer) => answer.json().error.details.refused)).toEqual(['CERT_UNTRUSTED_ISSUER', 'CLIENT_CERT_REQUIRED', 'CERT_UNTRUSTED_ISSUER']);
    for (const answer of answers.slice(LIMIT)) {
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    const entries = authEntries(hub, before);
    expect(entries.map((entry) => entry.outcome)).toEqual(['CLIENT_CERT_REQUIRED', 'CERT_UNTRUSTED_ISSUER', 'CLIENT_CERT_REQUIRED', 'AUTH_FAILURES_LIMITED']);
    expect(entries[3]).toMatchObject({ agency: 'unknown', decision: 'deny' });
    expect(entries[3]?.reason).toMatch(/^More than 3 authentication failures within 60 s from one network address \(this one: CERT_UNTRUSTED_ISSUER\)/);
    expect(entries[3]?.reason).not.toContain('127.0.0.11');
    // The operator learns which address to block; it is the one place an address is logged.
    expect(hub.logLines().filter((line) => line.event === 'auth-failures.limited')).toEqual([expect.objectContaining({ level: 'warn', network: '127.0.0.11' })]);

    const metrics = { text: (await hub.deps.metrics.render()).body };
    expect(metrics.text).toMatch(/isp_hub_authentication_failures_total\{recorded="yes"\} 4/);
    expect(metrics.text).toMatch(/isp_hub_authentication_failures_total\{recorded="no"\} 2/);
  });

  it('writes exactly one limit entry when the failures arrive all at once', async () => {
    const before = hub.audit.length;
    const answers = await Promise.all(Array.from({ length: LIMIT + 6 }, () => call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.12' })));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(LIMIT);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(6);
    const outcomes = authEntries(hub, before).map((entry) => entry.outcome);
    expect(outcomes.filter((outcome) => outcome === 'AUTH_FAILURES_LIMITED')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'CLIENT_CERT_REQUIRED')).toHaveLength(LIMIT);
  });

  it('never limits a good certificate, nor another address, while one address is limited', async () => {
    for (let i = 0; i <= LIMIT; i += 1) await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.13' });
    expect((await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.13' })).status).toBe(429);

    expect((await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.13', client: scheme.police })).status).toBe(200);
    const before = hub.audit.length;
    const elsewhere = await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.14' });
    expect(codes([elsewhere])).toEqual([[401, 'CLIENT_CERT_REQUIRED']]);
    expect(authEntries(hub, before).map((entry) => entry.outcome)).toEqual(['CLIENT_CERT_REQUIRED']);
  });

  it("cannot silence refusals of the scheme's own certificates: those count against the agency they name", async () => {
    for (let i = 0; i <= LIMIT; i += 1) await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.15' });
    const before = hub.audit.length;
    const answers = [];
    for (let i = 0; i < LIMIT + 2; i += 1) answers.push(await call(hub, scheme, { path: '/v1/whoami', localAddress: '127.0.0.15', client: scheme.expiredPolice }));
    expect(codes(answers)).toEqual([
      [401, 'CERT_EXPIRED'],
      [401, 'CERT_EXPIRED'],
      [401, 'CERT_EXPIRED'],
      [429, 'AUTH_FAILURES_LIMITED'],
      [429, 'AUTH_FAILURES_LIMITED'],
    ]);
    const entries = authEntries(hub, before);
    expect(entries.map((entry) => [entry.agency, entry.outcome])).toEqual([
      ['nv-police', 'CERT_EXPIRED'],
      ['nv-police', 'CERT_EXPIRED'],
      ['nv-police', 'CERT_EXPIRED'],
      ['nv-police', 'AUTH_FAILURES_LIMITED'],
    ]);
    expect(entries[3]?.reason).toContain('with certificates the scheme issued to nv-police');
  });

  it('counts refused DPO tokens the same way, and keeps the refused code for the console to sign out on', async () => {
    const before = hub.audit.length;
    const answers = [];
    for (let i = 0; i < LIMIT + 2; i += 1) answers.push(await call(hub, scheme, { path: '/v1/audit/ping', localAddress: '127.0.0.16', headers: { authorization: 'Bearer forged.token.value' } }));
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 429, 429]);
    expect(answers[0]?.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(answers[4]?.json().error.details.refused).toBe('TOKEN_INVALID');
    expect(authEntries(hub, before).map((entry) => [entry.outcome, entry.decision])).toEqual([
      ['TOKEN_INVALID', 'not-applicable'],
      ['TOKEN_INVALID', 'not-applicable'],
      ['TOKEN_INVALID', 'not-applicable'],
      ['AUTH_FAILURES_LIMITED', 'not-applicable'],
    ]);
  });

  it('caps all addresses together at ten times the limit', async () => {
    const capped = await startHub({ authFailureLimit: 1 });
    const answers = [];
    for (let host = 1; host <= 11; host += 1) answers.push(await call(capped, scheme, { path: '/v1/whoami', localAddress: `127.0.1.${host}` }));
    expect(answers.map((answer) => answer.status)).toEqual([...Array.from({ length: 10 }, () => 401), 429]);
    const entries = authEntries(capped, 0);
    expect(entries).toHaveLength(11);
    expect(entries[10]).toMatchObject({ agency: 'unknown', outcome: 'AUTH_FAILURES_LIMITED', reason: expect.stringContaining('from all addresses together') });
  });

  it("the cap for all addresses together holds each address's own limit entry too", async () => {
    // Limit 2, so all addresses together: 20 entries a window, the one saying so included.
    const capped = await startHub({ authFailureLimit: 2 });
    const answers = [];
    for (let host = 1; host <= 25; host += 1) {
      // Three from each address: two within its own limit, and the one that reaches it.
      for (let attempt = 0; attempt < 3; attempt += 1) answers.push(await call(capped, scheme, { path: '/v1/whoami', localAddress: `127.0.2.${host}` }));
    }
    const entries = authEntries(capped, 0);
    expect(entries.length).toBeLessThanOrEqual(2 * 10 + 1);
    expect(entries.filter((entry) => entry.reason?.includes('from all addresses together'))).toHaveLength(1);
    expect(entries.at(-1)).toMatchObject({ agency: 'unknown', outcome: 'AUTH_FAILURES_LIMITED', reason: expect.stringContaining('from all addresses together') });
    // Once the cap is spent, every refusal is answered 429 with the code it stands for, and none is written.
    expect(codes(answers.slice(-3))).toEqual([
      [429, 'AUTH_FAILURES_LIMITED'],
      [429, 'AUTH_FAILURES_LIMITED'],
      [429, 'AUTH_FAILURES_LIMITED'],
    ]);
    expect(answers.slice(-3).map((answer) => answer.json().error.details.refused)).toEqual(['CLIENT_CERT_REQUIRED', 'CLIENT_CERT_REQUIRED', 'CLIENT_CERT_REQUIRED']);
  });

  it('audits failures one by one again once the window has passed', async () => {
    const short = await startHub({ authFailureWindowMs: 2000 });
    // However slow the machine, some failure lands over the limit within one window.
    let limited;
    do limited = await call(short, scheme, { path: '/v1/whoami', localAddress: '127.0.0.17' });
    while (limited.status !== 429);
    await new Promise((resolve) => setTimeout(resolve, Number(limited.headers['retry-after']) * 1000 + 100));
    const before = short.audit.length;
    const answer = await call(short, scheme, { path: '/v1/whoami', localAddress: '127.0.0.17' });
    expect(codes([answer])).toEqual([[401, 'CLIENT_CERT_REQUIRED']]);
    expect(authEntries(short, before).map((entry) => entry.outcome)).toEqual(['CLIENT_CERT_REQUIRED']);
  });

  it('behind a trusted proxy, counts each client address the proxy reports, not the proxy', async () => {
    const proxied = await startHub({ config: { TRUSTED_PROXIES: ['127.0.0.18'] } });
    const viaProxy = (client: string) => call(proxied, scheme, { path: '/v1/whoami', localAddress: '127.0.0.18', headers: { 'x-forwarded-for': `203.0.113.9, ${client}` } });
    const answers = [];
    for (let i = 0; i <= LIMIT; i += 1) answers.push(await viaProxy('198.51.100.7'));
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect((await viaProxy('198.51.100.8')).status).toBe(401);
    expect(proxied.logLines().find((line) => line.event === 'auth-failures.limited')).toMatchObject({ network: '198.51.100.7' });
    // From an address that is not a trusted proxy, X-Forwarded-For is not believed.
    for (let i = 0; i <= LIMIT; i += 1) await call(proxied, scheme, { path: '/v1/whoami', localAddress: '127.0.0.19', headers: { 'x-forwarded-for': `198.51.100.${i + 20}` } });
    expect((await call(proxied, scheme, { path: '/v1/whoami', localAddress: '127.0.0.19', headers: { 'x-forwarded-for': '198.51.100.99' } })).status).toBe(429);
  });

  it('still refuses and audits when the failures cannot be counted (Redis unreachable)', async () => {
    const broken = await startHub({ authFailureLimiter: { consume: async () => Promise.reject(new Error('connection refused')) } });
    const answer = await call(broken, scheme, { path: '/v1/whoami', localAddress: '127.0.0.20' });
    expect(codes([answer])).toEqual([[401, 'CLIENT_CERT_REQUIRED']]);
    expect(authEntries(broken, 0).map((entry) => entry.outcome)).toEqual(['CLIENT_CERT_REQUIRED']);
    await eventually(() => (broken.logLines().some((line) => line.event === 'auth-failures.count-failed') ? true : undefined), 5000, 'the warning');
  });
});

describe('the network address a failure counts against', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
    ['::1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4%eth0', '1.2.3.4'],
    ['64:ff9b::192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
    ['not an address', 'unknown'],
  ])('%s counts as %s', (address, network) => {
    expect(networkOf(address)).toBe(network);
  });
});
