import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * A log must never sign two inconsistent views (RFC 9162 s.1.1). With
 * `audit:size` lowered in Redis, the hub stops: messages and queries answer
 * 503 AUDIT_LOG_INCONSISTENT, /health fails, the metric says so, and no
 * checkpoint is signed past the one Redis no longer extends.
 */
describe('a hub whose Redis no longer extends its last checkpoint', () => {
  let redis: TestRedis;
  let hub: TestHub;

  beforeAll(async () => {
    redis = await startTestRedis({ appendOnly: false });
    hub = await startTestHub(redis, { env: { AUDIT_CHECKPOINT_SECONDS: '1', AUDIT_CHECKPOINT_EVERY: '2' } });
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  it('lower {isp}:audit:size by 5 in Redis and send messages: the hub halts rather than signs', async () => {
    const police = await hub.client('nv-police');
    for (let count = 0; count < 3; count += 1) expect((await police.send((await example('arrest-notification')) as never)).status).toBe(202);
    const log = hub.hub.parts.auditLog;
    const signed = await log.checkpoint();
    const size = signed.checkpoint.treeSize;
    const client = hub.hub.parts.redis;
    await client.set(`${hub.prefix}:audit:size`, String(size - 5));

    const answers = [];
    for (let count = 0; count < 9; count += 1) answers.push(await police.request('POST', '/v1/messages', (await police.sealForHub((await example('arrest-notification')) as never)).jwe));
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body.toString()).error).toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT', details: { kind: 'rollback', signedSize: size, storedSize: size - 5 } });
    }
    const yot = await hub.client('nv-yot');
    const query = await yot.request('POST', '/v1/queries', (await yot.sealForHub((await example('risk-flag-query')) as never)).jwe);
    expect(query.status).toBe(503);
    expect(JSON.parse(query.body.toString()).error.code).toBe('AUDIT_LOG_INCONSISTENT');

    const health = await police.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body.toString()).checks.auditLog).toEqual({ status: 'fail', detail: { halted: 'rollback', signedSize: size, storedSize: size - 5 } });
    const metrics = await (await fetch(hub.hub.metricsUrl)).text();
    expect(metrics).toMatch(/isp_hub_audit_log_halted\{kind="rollback"\} 1/);

    // The checkpoint scheduler runs every second: give it three chances to sign, then look.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const sizes = (await client.zrange(`${hub.prefix}:audit:checkpoints`, 0, -1, 'WITHSCORES')).filter((_, index) => index % 2 === 1).map(Number);
    expect(Math.max(...sizes)).toBe(size);
    expect(await client.get(`${hub.prefix}:audit:size`)).toBe(String(size - 5));
  }, 60_000);
});
