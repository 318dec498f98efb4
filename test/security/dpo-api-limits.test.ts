import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedDpoIssuer } from '../../src/dpo/index.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { auditSince, bearer, caller, dpoIssuer, type Caller } from './support.js';

/**
 * The DPO audit API against a DPO who asks too much: a per-DPO rate limit
 * (each search is a permanent entry), full verifications whose results only
 * their askers and scheme DPOs may read, and sign-in tokens of the wrong
 * type, too long a life or issued in the future. A real hub over HTTPS.
 */
const LIMIT = 6;
const AUDIENCE = 'isp-hub-console';
const ISSUER = 'urn:isp-hub:isp-hub:dpo-issuer';

let redis: TestRedis;
let hub: TestHub;
let anonymous: Caller;
let issuer: EmbeddedDpoIssuer;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  hub = await startTestHub(redis, { env: { DPO_RATE_LIMIT_PER_MINUTE: String(LIMIT), DPO_TOKEN_MAX_LIFETIME_SECONDS: '1800' } });
  anonymous = await caller(hub.url);
  issuer = await dpoIssuer(hub);
});
afterAll(async () => {
  anonymous?.close();
  await hub?.stop();
  await redis?.stop();
});

const tokenFor = (agencyId: string, name: string, schemeDpo = false) => issuer.issue({ agencyId, name, schemeDpo, ttlSeconds: 600, audience: AUDIENCE });

describe('the per-DPO rate limit', () => {
  it('serves a DPO up to the limit, then answers 429 RATE_LIMITED with Retry-After and writes one entry for the flood', async () => {
    const token = await tokenFor('nv-housing', 'Sam Ratelimited');
    const before = await hub.hub.parts.auditLog.size();
    const answers = [];
    for (let i = 0; i < LIMIT + 4; i += 1) answers.push(await anonymous.send('GET', '/v1/audit/entries?limit=1', { headers: bearer(token) }));
    expect(answers.slice(0, LIMIT).map((answer) => answer.status)).toEqual(Array(LIMIT).fill(200));
    for (const refused of answers.slice(LIMIT)) {
      expect({ status: refused.status, code: refused.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.text).not.toContain('"entries"');
    }
    const reads = (await auditSince(hub, before)).filter((entry) => entry.event === 'audit-read' && entry.agency === 'nv-housing');
    expect(reads.map((entry) => entry.outcome)).toEqual([...Array(LIMIT).fill('search'), 'RATE_LIMITED']);
    expect(reads[LIMIT]?.reason).toMatch(new RegExp(`^More than ${LIMIT} audit API requests within 60 s by this DPO`));
    expect(reads[LIMIT]?.actor).toMatchObject({ id: 'nv-housing/sam-ratelimited', role: 'agency-dpo' });
  });

  it('counts each DPO on their own: another DPO is still served', async () => {
    const token = await tokenFor('nv-housing', 'Alex Unaffected');
    expect((await anonymous.send('GET', '/v1/audit/entries?limit=1', { headers: bearer(token) })).status).toBe(200);
  });
});

describe('full verification results', () => {
  it('are readable by the DPO who started one and by scheme DPOs; another agency DPO gets 404, logged as a refused read', async () => {
    const housing = await tokenFor('nv-housing', 'Sam Verifier');
    const police = await tokenFor('nv-police', 'Robin Curious');
    const scheme = await tokenFor('nv-police', 'Casey Auditor', true);
    const started = await anonymous.send('POST', '/v1/audit/verify', { headers: bearer(housing) });
    expect(started.status).toBe(202);
    const { id } = JSON.parse(started.text) as { id: string };

    expect((await anonymous.send('GET', `/v1/audit/verify/${id}`, { headers: bearer(housing) })).status).toBe(200);
    expect((await anonymous.send('GET', `/v1/audit/verify/${id}`, { headers: bearer(scheme) })).status).toBe(200);
    const before = await hub.hub.parts.auditLog.size();
    const foreign = await anonymous.send('GET', `/v1/audit/verify/${id}`, { headers: bearer(police) });
    const missing = await anonymous.send('GET', '/v1/audit/verify/vj_000000000000000000000000', { headers: bearer(police) });
    expect({ status: foreign.status, code: foreign.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(JSON.parse(foreign.text)).toEqual(JSON.parse(missing.text));
    const reads = (await auditSince(hub, before)).filter((entry) => entry.event === 'audit-read' && entry.agency === 'nv-police');
    expect(reads.map((entry) => entry.outcome)).toEqual(['not-found', 'not-found']);
  });
});

describe('sign-in tokens an external identity provider might issue', () => {
  async function issuerKey() {
    return createPrivateKey(await readFile(path.join(hub.dataDir, 'dpo-issuer-key.pem'), 'utf8'));
  }
  async function signed(header: { typ?: string }, iat: number, exp: number): Promise<string> {
    return new SignJWT({ name: 'Pat Testperson', agency: 'nv-police', scope: 'scheme' })
      .setProtectedHeader({ alg: 'ES256', kid: 'dpo-1', ...header })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('nv-police/pat-testperson')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await issuerKey());
  }
  const now = () => Math.floor(Date.now() / 1000);

  async function expectRefused(token: string): Promise<void> {
    const before = await hub.hub.parts.auditLog.size();
    const answer = await anonymous.send('GET', '/v1/audit/entries?limit=1', { headers: bearer(token) });
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    expect(String(answer.headers['www-authenticate'])).toContain('error="invalid_token"');
    const gained = await auditSince(hub, before);
    expect(gained.filter((entry) => entry.event === 'authentication-failed')).toEqual([expect.objectContaining({ agency: 'unknown', outcome: 'TOKEN_INVALID' })]);
    expect(gained.filter((entry) => entry.event === 'audit-read')).toEqual([]);
  }

  it('a control: the same token typed JWT, living 30 minutes, is accepted', async () => {
    expect((await anonymous.send('GET', '/v1/audit/entries?limit=1', { headers: bearer(await signed({ typ: 'JWT' }, now(), now() + 1800)) })).status).toBe(200);
  });

  it('refuses a token typed for something else, or untyped (RFC 8725 s.3.11)', async () => {
    await expectRefused(await signed({ typ: 'dpop+jwt' }, now(), now() + 600));
    await expectRefused(await signed({}, now(), now() + 600));
  });

  it('refuses exp - iat above DPO_TOKEN_MAX_LIFETIME_SECONDS', async () => {
    await expectRefused(await signed({ typ: 'JWT' }, now(), now() + 1801));
  });

  it('refuses an iat in the future beyond the clock skew', async () => {
    await expectRefused(await signed({ typ: 'JWT' }, now() + 300, now() + 900));
  });
});
