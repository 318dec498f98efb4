import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../support/cli.js';
import { example } from '../support/e2e.js';
import { certsDir } from '../support/hub.js';
import type { TestReceiver } from '../support/hub.js';
import type { HubProcess } from '../support/hub-process.js';
import { startSentinelSet, type SentinelSet } from '../support/redis-topologies.js';
import { missingDeliveries, sendMany, sleep, startFaultHub, verifyAudit, waitFor, waitForEveryDelivery } from './harness.js';

const TOTAL = 240;

/**
 * A Sentinel set (one primary, one replica, three sentinels) where the
 * replica falls behind (SIGSTOP: a stalled or partitioned link) and the
 * primary then dies, so the sentinels promote a replica that never got the
 * primary's last writes. The hub waits for REDIS_MIN_REPLICAS_ACK replicas
 * before it answers 202 (Redis WAIT) and before it signs a checkpoint, so
 * what the promoted replica lacks was never acknowledged: those senders got
 * 503, and their retries with the same bytes are accepted after failover,
 * once the old primary is back as the new primary's replica.
 */
describe('Sentinel failover while the replica lags behind', () => {
  let set: SentinelSet;
  let hub: HubProcess;
  let receiver: TestReceiver;
  let dataDir: string;
  let stopHub: (() => Promise<void>) | undefined;
  const prefix = `{sf${process.pid}}`;

  beforeAll(async () => {
    set = await startSentinelSet({ replicas: 1 });
    ({ hub, receiver, dataDir, stop: stopHub } = await startFaultHub('', prefix, {
      REDIS_SENTINELS: set.sentinels.join(','),
      REDIS_SENTINEL_NAME: set.name,
      REDIS_MIN_REPLICAS_ACK: '1',
      REDIS_REPLICA_ACK_TIMEOUT_MS: '300',
    }));
  }, 60_000);
  afterAll(async () => {
    await stopHub?.();
    await set?.stop();
  });

  it('never answers 202 for a message the promoted replica lacks, and the log extends every checkpoint signed before', async () => {
    const police = await hub.client('nv-police');
    const message = await example('arrest-notification');
    let answered = 0;
    const sending = sendMany(police, message, { total: TOTAL, concurrency: 6, jtiPrefix: 'sentinel-failover', onProgress: (count) => (answered = count) });

    await waitFor(() => answered >= 40, 60_000, 'the first answers');
    const [replica] = set.replicas;
    set.stall(replica!);
    // Sends go on against the primary alone: with no replica acknowledging, none may be answered 202.
    const answeredBeforeStall = answered;
    await sleep(1500);
    const answeredDuringStall = answered - answeredBeforeStall;
    const oldPrimary = await set.primaryPort();
    await set.kill(set.primary);
    set.resume(replica!);
    const promoted = await set.waitForFailover(oldPrimary);
    // As an operator would: the old primary comes back and the sentinels make it the new primary's replica.
    await set.restart(set.primary);

    const sent = await sending;
    await waitForEveryDelivery(sent, { 'nv-probation': receiver }, 60_000, () => `hub stderr: ${hub.stderrTail()}`);
    expect(sent.filter((item) => item.status !== 202)).toEqual([]);
    expect(new Set(sent.map((item) => item.id)).size).toBe(TOTAL);
    expect(missingDeliveries(sent, { 'nv-probation': receiver })).toEqual([]);
    // Messages answered while the replica stalled are the ones a hub without WAIT loses.
    expect(answeredDuringStall).toBeLessThanOrEqual(6);

    const connection = new Redis({ host: '127.0.0.1', port: promoted });
    try {
      // verifyFullLog checks the log against every checkpoint the hub signed, including the copies it kept outside Redis.
      const report = await verifyAudit(connection, prefix, dataDir);
      expect(report.problem).toBeUndefined();
      expect(report.ok).toBe(true);
      expect(report.treeSize).toBeGreaterThanOrEqual(2 * TOTAL);
      // Nothing left the hub before its disclosure entry was durable: each delivery has one in the promoted log.
      const entries = (await connection.hvals(`${prefix}:audit:entries`)).map((text) => JSON.parse(text) as { event: string; messageId?: string });
      const disclosed = new Set(entries.filter((entry) => entry.event === 'disclosure').map((entry) => entry.messageId));
      expect(receiver.deliveries.map((delivery) => delivery.messageId).filter((id) => !disclosed.has(id))).toEqual([]);
      expect(entries.filter((entry) => entry.event === 'collection').length).toBe(TOTAL);
      console.log(`sentinel-failover: ${TOTAL} messages, ${sent.filter((item) => item.attempts > 1).length} re-sent, ${answeredDuringStall} answered while the replica stalled, audit ${report.treeSize} entries`);
    } finally {
      connection.disconnect();
    }

    // The operator's commands find the promoted primary through the sentinels too.
    const cliEnv = { REDIS_URL: '', REDIS_SENTINELS: set.sentinels.join(','), REDIS_SENTINEL_NAME: set.name, REDIS_KEY_PREFIX: prefix, NODE_ENV: 'test' };
    const verified = await runIspHub(['audit', 'verify', '--full', '--cert', path.join(certsDir, 'hub/signing-cert.pem'), '--archive-dir', path.join(dataDir, 'audit-archive')], { env: cliEnv });
    expect(verified.stdout).toMatch(/^OK: \d+ entries/m);
    expect(verified.code).toBe(0);
    const listed = await runIspHub(['deliveries', 'list-dead'], { env: cliEnv });
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
  }, 150_000);
});
