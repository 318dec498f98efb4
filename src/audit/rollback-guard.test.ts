import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startTestRedis } from '../../test/support/redis.js';
import { captureLog } from '../test-log-capture.js';
import { CheckpointScheduler } from './checkpoint-scheduler.js';
import type { AuditEntryInput } from './entry.js';
import { createAuditLog } from './log.js';
import type { HaltReport } from './rollback-guard.js';
import { useAuditTestBed } from './test-audit-bed.js';

/**
 * A log must never sign two views that do not extend one another
 * (RFC 9162 s.1.1): when Redis no longer extends the last signed checkpoint,
 * the log halts rather than overwrite signed entries and sign a fork.
 */

const bed = useAuditTestBed();

const input = (position: number): AuditEntryInput => ({
  event: 'disclosure',
  agency: 'nv-police',
  actor: { id: `pc-${position}`, role: 'custody-officer' },
  purpose: 'catch-and-convict',
  decision: 'permit',
  recipients: ['nv-probation'],
});

async function setUp(logOptions: { standAsSequencer?: boolean } = {}) {
  const { redis, signer } = bed;
  const prefix = redis.newPrefix();
  const archiveDir = await bed.archiveDir('guard');
  const client: Redis = redis.connect();
  const { logger, lines } = captureLog('warn');
  const halts: HaltReport[] = [];
  const open = () => createAuditLog({ redis: client, prefix, signer, archiveDir, logger, onHalt: (report) => halts.push(report), ...logOptions });
  const log = open();
  await log.appendMany(Array.from({ length: 30 }, (_, position) => input(position)));
  const checkpoint = await log.checkpoint();
  return { prefix, client, archiveDir, log, open, checkpoint, lines, halts, sizeKey: `${prefix}:audit:size` };
}

describe('a lowered audit:size', () => {
  it('lower {isp}:audit:size by 5 and append: the log halts rather than overwrite and sign', async () => {
    const f = await setUp();
    const entryKey = `${f.prefix}:audit:entries`;
    const before = await f.client.hgetBuffer(entryKey, '25');
    await f.client.set(f.sizeKey, '25');

    const appends = Array.from({ length: 9 }, (_, position) => f.log.append(input(100 + position)));
    const outcomes = await Promise.allSettled(appends);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: 'AUDIT_LOG_INCONSISTENT',
        status: 503,
        details: { kind: 'rollback', signedSize: 30, storedSize: 25 },
      });
    }
    // Nothing was overwritten, and no checkpoint past the signed one exists.
    expect(await f.client.hgetBuffer(entryKey, '25')).toEqual(before);
    expect(await f.client.get(f.sizeKey)).toBe('25');
    await expect(f.log.checkpoint()).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT' });
    expect(await f.client.zrange(`${f.prefix}:audit:checkpoints`, 0, -1)).toEqual([f.checkpoint.jws]);

    // One critical line naming both sizes, one halt report, and the log stays halted.
    const critical = f.lines.filter((line) => line['event'] === 'audit.halted');
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatchObject({ severity: 'critical', kind: 'rollback', signedSize: 30, storedSize: 25 });
    expect(String(critical[0]!['message'])).toMatch(/30.*25|25.*30/);
    expect(f.halts).toEqual([expect.objectContaining({ kind: 'rollback', signedSize: 30, storedSize: 25 })]);
    expect(f.log.halted()).toMatchObject({ kind: 'rollback' });
  });

  it('a process that starts afterwards learns the signed size from the shared store, even when Redis lost its checkpoints too', async () => {
    const f = await setUp();
    await f.client.set(f.sizeKey, '25');
    await f.client.del(`${f.prefix}:audit:checkpoints`);
    const fresh = f.open();
    await expect(fresh.append(input(200))).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT', details: { kind: 'rollback', signedSize: 30, storedSize: 25 } });
    expect(await fresh.checkConsistency()).toMatchObject({ kind: 'rollback', signedSize: 30, storedSize: 25 });
  });

  it('a checkpoint scheduler on a halted log signs nothing and logs the failure once, not every tick', async () => {
    const f = await setUp();
    await f.client.set(f.sizeKey, '25');
    await expect(f.log.append(input(1))).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT' });
    // Redis now claims more than was signed: the scheduler would sign, if the halt let it.
    await f.client.set(f.sizeKey, '33');
    const { logger, lines } = captureLog('warn');
    const logged = new CheckpointScheduler({ log: f.log, everyEntries: 1, everySeconds: 0.05, logger });
    logged.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await logged.stop();
    const failures = lines.filter((line) => line['event'] === 'audit.checkpoint-failed');
    expect(failures).toEqual([expect.objectContaining({ code: 'AUDIT_LOG_INCONSISTENT' })]);
    expect(f.lines.filter((line) => line['event'] === 'audit.halted')).toHaveLength(1);
    expect(await f.client.zcard(`${f.prefix}:audit:checkpoints`)).toBe(1);
  });

  it('the health probe finds a rollback even when nothing is appended', async () => {
    const f = await setUp();
    expect(await f.log.checkConsistency()).toBeUndefined();
    await f.client.set(f.sizeKey, '29');
    expect(await f.log.checkConsistency()).toMatchObject({ kind: 'rollback', signedSize: 30, storedSize: 29 });
  });
});

describe('a rolled-back replica promoted', () => {
  it('a Redis that went back and was written on (a fork) halts the log at its next append: size larger, roots differ', async () => {
    const f = await setUp();
    // The "replica": every key as it was at size 30, before the primary went on.
    const keys = await f.client.keys(`${f.prefix}:audit:*`);
    // Each key with the time it had left, as a replica holds it (the sequencer's lease expires there too).
    const snapshot = await Promise.all(keys.map(async (key) => [key, await f.client.dumpBuffer(key), Math.max(0, await f.client.pttl(key))] as const));
    await f.log.appendMany(Array.from({ length: 6 }, (_, position) => input(30 + position)));
    const signedAt36 = await f.log.checkpoint();
    expect(signedAt36.checkpoint.treeSize).toBe(36);

    // Failover: the replica, 6 entries behind, becomes primary; a writer that knows nothing goes on from 30.
    // A writer can go on only as the sequencer, so this failover took longer than the lease (as a Sentinel
    // failover does: it declares the primary down only after down-after-milliseconds, well over LEASE_MS)
    // and the lease the replica holds has run out. Had the old sequencer's lease still been live there, it
    // would have gone on integrating and found the rollback itself: the next test.
    const leaseKey = `${f.prefix}:audit:sequencer`;
    for (const [key, dump, ttl] of snapshot) if (key !== leaseKey) await f.client.restore(key, ttl, dump!, 'REPLACE');
    await f.client.del(leaseKey);
    const forker = createAuditLog({ redis: f.client, prefix: f.prefix });
    await forker.appendMany(Array.from({ length: 10 }, (_, position) => input(300 + position)));
    expect(await f.client.get(f.sizeKey)).toBe('40');

    await expect(f.log.append(input(400))).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT', details: { kind: 'fork', signedSize: 36, storedSize: 40 } });
    await expect(f.log.checkpoint()).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT' });
    const sizes = (await f.client.zrange(`${f.prefix}:audit:checkpoints`, 0, -1, 'WITHSCORES')).filter((_, index) => index % 2 === 1);
    expect(sizes).toEqual(['30']);
  });

  it('a sequencer whose lease the promoted replica still holds halts at the first batch queued to it, and fails the appends others queued with its reason', async () => {
    const f = await setUp({ standAsSequencer: true });
    try {
      const keys = await f.client.keys(`${f.prefix}:audit:*`);
      const snapshot = await Promise.all(keys.map(async (key) => [key, await f.client.dumpBuffer(key), Math.max(0, await f.client.pttl(key))] as const));
      await f.log.appendMany(Array.from({ length: 6 }, (_, position) => input(30 + position)));
      expect((await f.log.checkpoint()).checkpoint.treeSize).toBe(36);

      // A failover faster than the lease: the promoted replica, 6 entries behind, still names the hub as sequencer.
      for (const [key, dump, ttl] of snapshot) await f.client.restore(key, ttl, dump!, 'REPLACE');
      const other = createAuditLog({ redis: f.client, prefix: f.prefix });
      const started = Date.now();
      await expect(other.appendMany(Array.from({ length: 10 }, (_, position) => input(300 + position)))).rejects.toMatchObject({
        code: 'AUDIT_LOG_INCONSISTENT',
        details: { kind: 'rollback', signedSize: 36, storedSize: 30 },
      });
      // Told by the halted sequencer, not left to time out.
      expect(Date.now() - started).toBeLessThan(3000);
      expect(f.log.halted()).toMatchObject({ kind: 'rollback', signedSize: 36, storedSize: 30 });
      await expect(f.log.append(input(400))).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT', details: { kind: 'rollback' } });
      expect(await f.client.get(f.sizeKey)).toBe('30');
      expect(await f.client.xlen(`${f.prefix}:audit:queue`)).toBe(0);
      await expect(f.log.checkpoint()).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT' });
      await other.close();
    } finally {
      await f.log.close();
    }
  });

  it('a real replica promoted while behind: the log, now on the replica, halts rather than sign from 30 over a checkpoint at 36', async () => {
    const { redis, signer } = bed;
    const replicaServer = await startTestRedis({ appendOnly: false });
    try {
      const prefix = redis.newPrefix();
      const archiveDir = await bed.archiveDir('guard-replica');
      const primary = redis.connect();
      const replica = replicaServer.connect();
      const primaryUrl = new URL(redis.url);
      await replica.replicaof(primaryUrl.hostname, Number(primaryUrl.port));
      const onPrimary = createAuditLog({ redis: primary, prefix, signer, archiveDir });
      await onPrimary.appendMany(Array.from({ length: 30 }, (_, position) => input(position)));
      await onPrimary.checkpoint();
      // The replica holds all 30, then falls away (a partition), while the primary goes on and signs 36.
      const deadline = Date.now() + 20_000;
      while ((await replica.get(`${prefix}:audit:size`)) !== '30' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await replica.replicaof('NO', 'ONE');
      await onPrimary.appendMany(Array.from({ length: 6 }, (_, position) => input(30 + position)));
      expect((await onPrimary.checkpoint()).checkpoint.treeSize).toBe(36);

      // Failover: the hub reconnects to the promoted replica; the shared store remembers checkpoint 36.
      const onReplica = createAuditLog({ redis: replica, prefix, signer, archiveDir });
      await expect(onReplica.append(input(99))).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT', details: { kind: 'rollback', signedSize: 36, storedSize: 30 } });
      await expect(onReplica.checkpoint()).rejects.toMatchObject({ code: 'AUDIT_LOG_INCONSISTENT' });
      expect(await replica.get(`${prefix}:audit:size`)).toBe('30');
      replica.disconnect();
    } finally {
      await replicaServer.stop();
    }
  }, 60_000);

  it('an honest log that keeps growing never halts, across processes sharing the store', async () => {
    const f = await setUp();
    const other = f.open();
    for (let round = 0; round < 3; round += 1) {
      await Promise.all([f.log.appendMany([input(round), input(round + 1)]), other.appendMany([input(round + 2)])]);
      await (round % 2 === 0 ? f.log : other).checkpoint();
    }
    expect(f.log.halted()).toBeUndefined();
    expect(other.halted()).toBeUndefined();
    expect(await f.log.checkConsistency()).toBeUndefined();
  });
});
