import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/index.js';
import type { TestReceiver } from '../support/hub.js';
import { example } from '../support/e2e.js';
import type { HubProcess } from '../support/hub-process.js';
import { duplicateCount, missingDeliveries, randomBetween, sendThroughFaults, sleep, startFaultHub, verifyAudit, waitForEveryDelivery } from './harness.js';

/** The same 2,000 sends as the hub-kill test, with Redis killed instead; FAULT_REDIS_MESSAGES shortens a local run. */
const TOTAL = Number(process.env['FAULT_REDIS_MESSAGES'] ?? 2000);
const KILLS = 2;

/**
 * Redis killed with SIGKILL and started again on the same port and data
 * folder, AOF on. The hub answers 202 only
 * after Redis acknowledged every write of the message (audit entries,
 * delivery jobs, tracking), and with `appendfsync everysec` Redis has
 * write(2)n each acknowledged command to the AOF before the next event-loop
 * turn, so a killed redis-server PROCESS loses nothing the kernel holds:
 * only a machine crash or power cut can lose up to about a second of
 * acknowledged writes (see docs/soak.md for the cost of `always`).
 */
describe('kill -9 of Redis (AOF on) while an agency sends messages', () => {
  let redis: EmbeddedRedis;
  let redisDir: string;
  let redisPort: number;
  let receiver: TestReceiver;
  let hub: HubProcess;
  let dataDir: string;
  let stopHub: (() => Promise<void>) | undefined;
  const prefix = `{rk${process.pid}}`;

  beforeAll(async () => {
    redisDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-fault-redis-'));
    redisPort = await findFreePort();
    redis = await startEmbeddedRedis({ dataDir: redisDir, port: redisPort });
    ({ hub, receiver, dataDir, stop: stopHub } = await startFaultHub(redis.url, prefix));
  });
  afterAll(async () => {
    await stopHub?.();
    await redis?.stop();
    if (redisDir) await rm(redisDir, { recursive: true, force: true });
  });

  it('delivers every message that got 202 after Redis restarts, and the audit log verifies', async () => {
    const police = await hub.client('nv-police');
    const message = await example('arrest-notification');
    const { sent, faults: kills } = await sendThroughFaults(police, message, {
      total: TOTAL,
      concurrency: 12,
      jtiPrefix: 'redis-kill',
      faults: KILLS,
      spread: [0.1, 0.85],
      fault: async () => {
        await redis.kill();
        await sleep(randomBetween(200, 1500));
        redis = await startEmbeddedRedis({ dataDir: redisDir, port: redisPort });
      },
    });
    await waitForEveryDelivery(sent, { 'nv-probation': receiver }, 120_000, () => `hub stderr: ${hub.stderrTail()}`);

    expect(kills).toBe(KILLS);
    expect(sent.filter((item) => item.status !== 202)).toEqual([]);
    expect(new Set(sent.map((item) => item.id)).size).toBe(TOTAL);
    expect(missingDeliveries(sent, { 'nv-probation': receiver })).toEqual([]);

    const connection = new Redis(redis.url);
    try {
      const report = await verifyAudit(connection, prefix, dataDir);
      expect(report.problem).toBeUndefined();
      expect(report.ok).toBe(true);
      expect(report.treeSize).toBeGreaterThanOrEqual(2 * TOTAL);
      console.log(
        `redis-kill: ${TOTAL} messages, ${kills} Redis kills, ${sent.filter((item) => item.attempts > 1).length} re-sent, ` +
          `${receiver.deliveries.length} deliveries (${duplicateCount(receiver)} duplicates), audit ${report.treeSize} entries`,
      );
    } finally {
      connection.disconnect();
    }
  }, 600_000);
});
