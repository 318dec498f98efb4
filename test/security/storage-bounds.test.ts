import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/entry.js';
import { eventually } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, auditSince, caller, envelopeKit, jose, type Caller, type EnvelopeKit } from './support.js';

/**
 * What one agency can make the hub store is bounded, and each bound answers
 * with its own code and leaves the audit trail the protocol asks for:
 * a pull inbox holds at most INBOX_MAX_ITEMS (and INBOX_MAX_MB), an agency
 * sends at most SEND_MB_PER_MINUTE, a flood of refused requests writes one
 * entry per window, a query's replay record keeps a hash and not the sealed
 * answer, and /health and /metrics show how full Redis is.
 */

const INBOX_MAX_ITEMS = 3;
const REFUSALS_AUDITED = 5;

let redis: TestRedis;
let hub: TestHub;
let police: Caller;
let probation: Caller;
let kit: EnvelopeKit;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  hub = await startTestHub(redis, {
    env: {
      INBOX_MAX_ITEMS: String(INBOX_MAX_ITEMS),
      REFUSALS_AUDITED_PER_MINUTE: String(REFUSALS_AUDITED),
      SEND_MB_PER_MINUTE: '1',
      REDIS_MEMORY_WARN_PERCENT: '80',
    },
  });
  police = await caller(hub.url, await agencyCredentials('nv-police'));
  probation = await caller(hub.url, await agencyCredentials('nv-probation'));
  kit = await envelopeKit(hub, 'nv-police');
});
afterAll(async () => {
  police?.close();
  probation?.close();
  await hub?.stop();
  await redis?.stop();
});

async function sendToProbation(): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown>; gained: AuditEntry[] }> {
  const before = await hub.hub.parts.auditLog.size();
  const response = await police.send('POST', '/v1/messages', { body: await kit.seal(await kit.claims({ to: ['nv-probation'] })), headers: jose });
  return { status: response.status, body: JSON.parse(response.text) as Record<string, unknown>, headers: response.headers, gained: await auditSince(hub, before) };
}

async function probationInbox(): Promise<Array<{ id: string }>> {
  const response = await probation.send('GET', '/v1/inbox?limit=100');
  return (JSON.parse(response.text) as { items: Array<{ id: string }> }).items;
}

describe('the inbox quota per recipient', () => {
  it('refuses a message past INBOX_MAX_ITEMS with 429 INBOX_FULL, audited, nothing queued; room again once the recipient acknowledges', async () => {
    for (let sent = 0; sent < INBOX_MAX_ITEMS; sent += 1) expect((await sendToProbation()).status).toBe(202);
    await eventually(async () => ((await probationInbox()).length === INBOX_MAX_ITEMS ? true : undefined), 15_000, 'the inbox to fill');

    const refused = await sendToProbation();
    expect(refused.status).toBe(429);
    expect(refused.body['error']).toMatchObject({
      code: 'INBOX_FULL',
      details: { recipient: 'nv-probation', limit: 'items', maxItems: INBOX_MAX_ITEMS, retryAfterSeconds: expect.any(Number) },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The hub collected the message and refused it as a whole: nothing disclosed, nothing queued.
    expect(refused.gained.map((entry) => [entry.event, entry.outcome])).toEqual([
      ['collection', 'accepted'],
      ['refusal', 'INBOX_FULL'],
    ]);
    expect((await probationInbox()).length).toBe(INBOX_MAX_ITEMS);

    const [first] = await probationInbox();
    expect((await probation.send('POST', `/v1/inbox/${first!.id}/ack`)).status).toBe(200);
    expect((await sendToProbation()).status).toBe(202);
  });
});

describe('refused requests from one agency', () => {
  it(`audits ${REFUSALS_AUDITED} a window one by one, then one entry for the flood, then 429 REFUSALS_LIMITED with no entry each`, async () => {
    const housing = await caller(hub.url, await agencyCredentials('nv-housing'));
    try {
      const before = await hub.hub.parts.auditLog.size();
      const answers = [];
      for (let i = 0; i < REFUSALS_AUDITED + 15; i += 1) answers.push(await housing.send('POST', '/v1/messages', { body: `junk-${i}`, headers: jose }));
      expect(answers.slice(0, REFUSALS_AUDITED).map((answer) => [answer.status, answer.code])).toEqual(Array.from({ length: REFUSALS_AUDITED }, () => [400, 'ENVELOPE_MALFORMED']));
      for (const answer of answers.slice(REFUSALS_AUDITED)) {
        expect([answer.status, answer.code]).toEqual([429, 'REFUSALS_LIMITED']);
        expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(JSON.parse(answer.text).error.details.refused).toBe('ENVELOPE_MALFORMED');
      }
      const entries = (await auditSince(hub, before)).filter((entry) => entry.agency === 'nv-housing');
      expect(entries.map((entry) => entry.outcome)).toEqual([...Array.from({ length: REFUSALS_AUDITED }, () => 'ENVELOPE_MALFORMED'), 'REFUSALS_LIMITED']);
      expect(entries.at(-1)).toMatchObject({ event: 'refusal', reason: expect.stringMatching(/^More than 5 refused requests within 60 s from nv-housing \(this one: ENVELOPE_MALFORMED\)/) });
      // Another agency's refusals are its own: the flood silenced nothing of nv-probation's.
      const other = await probation.send('POST', '/v1/messages', { body: 'junk', headers: jose });
      expect([other.status, other.code]).toEqual([400, 'ENVELOPE_MALFORMED']);
    } finally {
      housing.close();
    }
  });
});

describe('the byte budget per sending agency', () => {
  it('answers 429 SEND_BUDGET_EXCEEDED with Retry-After once an agency has sent SEND_MB_PER_MINUTE, and audits the refusal', async () => {
    const court = await caller(hub.url, await agencyCredentials('nv-court'));
    try {
      const before = await hub.hub.parts.auditLog.size();
      // Bodies of about 249 KB (under ENVELOPE_MAX_BYTES) that are not envelopes: the bytes count whatever they hold.
      // Four fit in 1 MiB; the fifth does not (five refusals: still each audited one by one).
      const body = randomBytes(187 * 1024).toString('base64url');
      const answers = [];
      for (let i = 0; i < 5; i += 1) answers.push(await court.send('POST', '/v1/messages', { body, headers: jose }));
      expect(answers.slice(0, 4).map((answer) => answer.code)).toEqual(Array.from({ length: 4 }, () => 'ENVELOPE_MALFORMED'));
      const spent = answers[4]!;
      expect([spent.status, spent.code]).toEqual([429, 'SEND_BUDGET_EXCEEDED']);
      expect(JSON.parse(spent.text).error.details).toMatchObject({ maxBytes: 1024 * 1024, windowSeconds: 60, retryAfterSeconds: expect.any(Number) });
      expect(Number(spent.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const entries = (await auditSince(hub, before)).filter((entry) => entry.agency === 'nv-court');
      expect(entries.at(-1)).toMatchObject({ event: 'refusal', outcome: 'SEND_BUDGET_EXCEEDED' });
    } finally {
      court.close();
    }
  });
});

describe("a query's replay record", () => {
  it('holds the hash of the sealed answer, not the answer', async () => {
    const yot = await caller(hub.url, await agencyCredentials('nv-yot'));
    const yotKit = await envelopeKit(hub, 'nv-yot');
    try {
      const claims = await yotKit.claims({}, 'risk-flag-query');
      const asked = await yot.send('POST', '/v1/queries', { body: await yotKit.seal(claims), headers: jose });
      expect(asked.status).toBe(200);
      const { answer } = JSON.parse(asked.text) as { answer: string };
      const client = redis.connect();
      const recordKey = `${hub.prefix}:q:jti:nv-yot:${Buffer.from(String(claims.jti)).toString('base64url')}`;
      const stored = await client.hget(recordKey, 'answer');
      expect(stored).not.toBeNull();
      expect(JSON.parse(stored!)).toEqual({ id: expect.stringMatching(/^msg_/), answerSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(stored).not.toContain(answer.slice(0, 40));
    } finally {
      yot.close();
    }
  });
});

describe("Redis's memory on /health and /metrics", () => {
  it('warns on /health from REDIS_MEMORY_WARN_PERCENT of maxmemory, and /metrics shows use and limit', async () => {
    const client = redis.connect();
    const [, original] = (await client.config('GET', 'maxmemory')) as [string, string];
    const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    const anonymous = await caller(hub.url);
    try {
      const healthy = JSON.parse((await anonymous.send('GET', '/health')).text);
      expect(healthy.checks['redis-memory']).toMatchObject({ status: 'ok', detail: { limit: 'maxmemory', warnPercent: 80 } });
      // A limit just above what Redis holds now: past the warning share, short of full.
      const tight = Math.ceil(used / 0.9);
      await client.config('SET', 'maxmemory', String(tight));
      const health = await anonymous.send('GET', '/health');
      expect(health.status).toBe(200);
      const body = JSON.parse(health.text);
      expect(body.status).toBe('warn');
      expect(body.checks['redis-memory']).toMatchObject({ status: 'warn', detail: { limitBytes: tight, warnPercent: 80 } });
      // Metrics are served on their own loopback listener, not on the API port.
      const metrics = await (await fetch(hub.hub.metricsUrl)).text();
      expect(metrics).toMatch(new RegExp(`^isp_hub_redis_memory_limit_bytes ${tight}$`, 'm'));
      expect(metrics).toMatch(/^isp_hub_redis_memory_used_bytes \d+$/m);
    } finally {
      await client.config('SET', 'maxmemory', original);
      anonymous.close();
    }
  });
});
