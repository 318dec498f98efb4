import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../support/hub.js';
import { example } from '../support/e2e.js';
import type { HubProcess } from '../support/hub-process.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { duplicateCount, missingDeliveries, randomBetween, sendThroughFaults, sleep, startFaultHub, verifyAudit, waitForEveryDelivery } from './harness.js';

/** 2,000 in CI; FAULT_MESSAGES lowers it while working on the harness. */
const TOTAL = Number(process.env['FAULT_MESSAGES'] ?? 2000);
const KILLS = 3;

describe('kill -9 of the hub while an agency sends 2,000 messages', () => {
  let redis: TestRedis;
  let receiver: TestReceiver;
  let hub: HubProcess;
  let dataDir: string;
  let stopHub: (() => Promise<void>) | undefined;
  const prefix = `{fk${process.pid}}`;

  beforeAll(async () => {
    redis = await startTestRedis();
    ({ hub, receiver, dataDir, stop: stopHub } = await startFaultHub(redis.url, prefix));
  });
  afterAll(async () => {
    await stopHub?.();
    await redis?.stop();
  });

  it('delivers every message that got 202 to every permitted recipient, loses none, and the audit log verifies', async () => {
    const police = await hub.client('nv-police');
    const message = await example('arrest-notification');
    // Kill at random moments while messages are in flight (in intake, between
    // audit appends, mid-delivery), and restart on the same port.
    const { sent, answered, faults: kills } = await sendThroughFaults(police, message, {
      total: TOTAL,
      concurrency: 12,
      jtiPrefix: 'hub-kill',
      faults: KILLS,
      spread: [0.05, 0.9],
      fault: async () => {
        await hub.kill();
        await sleep(randomBetween(0, 500));
        await hub.start();
      },
    });
    await waitForEveryDelivery(sent, { 'nv-probation': receiver }, 90_000, () => `hub stderr: ${hub.stderrTail()}`);

    expect(kills).toBeGreaterThan(0);
    expect(answered).toBe(TOTAL);
    // Every message was accepted: a retry after a kill is the same jti and
    // bytes, so it is answered as the first (or processed again), never 409.
    expect(sent.filter((item) => item.status !== 202)).toEqual([]);
    expect(new Set(sent.map((item) => item.id)).size).toBe(TOTAL);
    expect(sent.every((item) => item.queuedFor.includes('nv-probation'))).toBe(true);
    expect(missingDeliveries(sent, { 'nv-probation': receiver })).toEqual([]);
    // Nothing delivered that was not sent.
    const sentIds = new Set(sent.map((item) => item.id));
    expect(receiver.deliveries.filter((delivery) => !sentIds.has(delivery.messageId))).toEqual([]);

    const report = await verifyAudit(redis.connect(), prefix, dataDir);
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
    // Each message leaves at least a collection entry and a disclosure entry.
    expect(report.treeSize).toBeGreaterThanOrEqual(2 * TOTAL);
    console.log(
      `hub-kill: ${TOTAL} messages, ${kills} kills, ${sent.filter((item) => item.attempts > 1).length} re-sent, ` +
        `${receiver.deliveries.length} deliveries (${duplicateCount(receiver)} duplicates), audit ${report.treeSize} entries`,
    );
  }, 600_000);
});
