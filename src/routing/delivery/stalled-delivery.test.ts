import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, startDeliveryWorkerProcess, startWebhookReceiver, testAuditLog, waitUntil, type TestPki, type WebhookReceiver } from '../../../test/support/delivery-fixtures.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createDelivery } from './index.js';

const JWE = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVydGV4dA.dGFn';

let redis: TestRedis;
let pki: TestPki;
let receiver: WebhookReceiver;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  [redis, pki] = await Promise.all([startTestRedis(), createTestPki()]);
  receiver = await startWebhookReceiver(pki, 'hang');
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await receiver?.stop();
  await redis?.stop();
});

/**
 * A job whose workers keep dying under it (kill -9 mid-delivery) more often
 * than the stall limit allows must end as a dead letter with an
 * `undeliverable` report, never vanish: BullMQ on its own fails such a job
 * without running the processor, so no dead letter would be written.
 */
describe('a delivery that stalls more often than allowed', () => {
  it('is dead-lettered, audited and reported undeliverable, not silently failed', async () => {
    const prefix = redis.newPrefix();
    const child = await startDeliveryWorkerProcess({ redisUrl: redis.url, prefix, recipient: 'nv-childrens', url: receiver.url, pki });
    cleanups.push(() => void child.kill('SIGKILL'));
    const audit = testAuditLog(redis.connect(), prefix);
    const producer = createDelivery({
      redis: { target: { url: redis.url } },
      prefix,
      settings: { attempts: 3, backoffMs: 50, timeoutMs: 60_000, concurrency: 1, inboxTtlSeconds: 3600, closeTimeoutMs: 500 },
      audit,
      routeFor: () => ({ mode: 'push', url: receiver.url }),
    });
    cleanups.push(() => producer.close());
    await producer.service.accept('msg_stall1', 'nv-police', [{ recipient: 'nv-childrens', status: 'queued' }], [
      { messageId: 'msg_stall1', sender: 'nv-police', recipient: 'nv-childrens', messageType: 'arrest-notification', jwe: JWE },
    ]);
    await waitUntil(() => receiver.hanging === 1, 20_000, 'the first attempt to reach the receiver');
    child.kill('SIGKILL');

    // The next worker allows no stall at all: the job's one stall is over the limit.
    const survivor = createDelivery({
      redis: { target: { url: redis.url } },
      prefix,
      settings: { attempts: 3, backoffMs: 50, timeoutMs: 5000, concurrency: 1, inboxTtlSeconds: 3600, closeTimeoutMs: 500, lockDurationMs: 3000, stalledIntervalMs: 500, maxStalledCount: 0 },
      audit,
      routeFor: () => ({ mode: 'push', url: receiver.url }),
      tls: { cert: pki.hubClient.cert, key: pki.hubClient.key, ca: pki.caPem },
    });
    cleanups.push(() => survivor.close());
    survivor.startWorkers(['nv-childrens']);

    await waitUntil(async () => (await survivor.deadLetters.count()) === 1, 20_000, 'a dead letter');
    const [record] = await survivor.service.listDeadLetters();
    expect(record).toMatchObject({ id: 'msg_stall1:nv-childrens', lastOutcome: 'worker-stalled' });
    // The dead letter is stored first, then audited, then reported: wait for the report.
    await waitUntil(async () => (await survivor.tracking.stateOf('msg_stall1', 'nv-childrens')) === 'undeliverable', 20_000, 'the undeliverable report');
    // At least once: on a starved machine the survivor may itself stall mid-way and write it again.
    const failed = (await audit.entries()).filter((entry) => entry.event === 'delivery-failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.every((entry) => entry.messageId === 'msg_stall1' && entry.outcome === 'worker-stalled')).toBe(true);
    // Not pushed again by the survivor: the one request is the dead worker's.
    expect(receiver.received).toHaveLength(0);
  }, 60_000);
});
