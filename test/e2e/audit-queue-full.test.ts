import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/routing/message-id.js';
import { auditEntries, eventually, example, type IntakeBody } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * The queue of audit batches waiting for the sequencer is bounded
 * (AUDIT_QUEUE_MAX_BATCHES): while the process holding the lease integrates
 * nothing, a hub process queues up to the limit and then refuses the next
 * message with 503 UNAVAILABLE and Retry-After, before any of it is stored.
 * Once the queue drains, the sender's retry of the same bytes is taken.
 */
let redis: TestRedis;
let admin: Redis;
let hub: TestHub;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  admin = redis.connect();
  hub = await startTestHub(redis, { env: { AUDIT_QUEUE_MAX_BATCHES: '1' } });
}, 60_000);
afterAll(async () => {
  await hub?.stop();
  await redis?.stop();
});

describe('a hub whose audit queue is full', () => {
  it('answers 503 UNAVAILABLE with Retry-After, stores nothing of the message, and takes its retry once the queue drains', async () => {
    const police = await hub.client('nv-police');
    const queue = `${hub.prefix}:audit:queue`;
    // Another process takes the lease and integrates nothing: this hub can only queue.
    await admin.set(`${hub.prefix}:audit:sequencer`, 'stalled-holder', 'PX', 60_000);
    const waiting = police.request('POST', '/v1/messages', (await police.sealForHub(await example('arrest-notification'), 'queued-first')).jwe);
    await eventually(async () => ((await admin.xlen(queue)) === 1 ? true : undefined), 8000, 'the first message queued');

    const { jwe } = await police.sealForHub(await example('arrest-notification'), 'refused-while-full');
    const refused = await police.request('POST', '/v1/messages', jwe);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body.toString()).error).toMatchObject({ code: 'UNAVAILABLE', details: { queuedBatches: 1, maxQueuedBatches: 1, retryAfterSeconds: 5 } });
    const refusedId = messageIdFor('nv-police', 'refused-while-full');
    const tracking = await police.request('GET', `/v1/messages/${refusedId}`);
    expect(tracking.status).toBe(404);
    const metrics = await (await fetch(hub.hub.metricsUrl)).text();
    expect(metrics).toMatch(/isp_hub_audit_queue_refused_total 1/);
    expect(metrics).toMatch(/isp_hub_audit_queue_batches 1/);

    // The holder goes; the hub takes the lease and integrates the queued message.
    await admin.del(`${hub.prefix}:audit:sequencer`);
    expect((await waiting).status).toBe(202);
    expect((await auditEntries(hub)).filter((entry) => entry.messageId === refusedId)).toEqual([]);

    const retried = await police.request('POST', '/v1/messages', jwe);
    expect(retried.status).toBe(202);
    expect((JSON.parse(retried.body.toString()) as IntakeBody).id).toBe(refusedId);
    const entries = (await auditEntries(hub)).filter((entry) => entry.messageId === refusedId);
    expect(entries.filter((entry) => entry.event === 'collection')).toHaveLength(1);
    expect(entries.some((entry) => entry.event === 'disclosure')).toBe(true);
    expect(await admin.xlen(queue)).toBe(0);
  }, 60_000);
});
