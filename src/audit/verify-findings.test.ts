import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from './entry.js';
import { verifyFullLog } from './full-verify.js';
import { auditKeys, blockLocation } from './keys.js';
import { createAuditLog } from './log.js';
import { leafHash } from './verify/hashing.js';
import { useAuditTestBed } from './test-audit-bed.js';

/**
 * What full verification names besides tampering with entries: a fork the
 * hub signed (distinct from tampering), and search indexes that lost or
 * gained an entry, which no hash covers.
 */
const bed = useAuditTestBed();

const input = (position: number): AuditEntryInput => ({
  event: position % 3 === 0 ? 'refusal' : 'disclosure',
  agency: position % 2 === 0 ? 'nv-police' : 'nv-probation',
  actor: { id: `staff-${position}`, role: 'case-worker' },
  subjectKeys: [position.toString(16).padStart(64, 'c')],
  purpose: 'catch-and-convict',
  decision: position % 3 === 0 ? 'deny' : 'permit',
  recipients: ['nv-housing'],
});

/**
 * A log of `size` entries (checkpoint at the end). `verify` checks that the
 * report is the same whether the index sets are read whole (DUMP) or in
 * pages (ZRANGE), and with leaves hashed inline or on the worker thread.
 */
async function logOf(size: number, options: { archiveDir?: string } = {}) {
  const { redis, signer } = bed;
  const prefix = redis.newPrefix();
  const client: Redis = redis.connect();
  const log = createAuditLog({ redis: client, prefix, signer, ...options });
  await log.appendMany(Array.from({ length: size }, (_, position) => input(position)));
  await log.checkpoint();
  const run = (extra: Partial<Parameters<typeof verifyFullLog>[0]>) => verifyFullLog({ redis: client, prefix, hubCertificate: signer.certificate, ...options, ...extra });
  const verify = async () => {
    const whole = await run({ hashWorker: false });
    expect(await run({ hashWorker: true, indexReads: { useDump: false } })).toEqual(whole);
    return whole;
  };
  return { prefix, client, log, verify, verifyOnce: () => run({}), index: (name: string) => `${prefix}:audit:ix:${name}` };
}

const log40 = () => logOf(40);

describe('a fork the hub signed', () => {
  it('is named checkpoint-fork, not tampering: a signed checkpoint the later signed ones do not extend', async () => {
    const { redis, signer } = bed;
    const archiveDir = await bed.archiveDir('fork');
    const prefix = redis.newPrefix();
    const client: Redis = redis.connect();
    // A hub without the guard's memory: what an unguarded appender did after audit:size was lowered.
    const first = createAuditLog({ redis: client, prefix, signer, archiveDir });
    await first.appendMany(Array.from({ length: 30 }, (_, position) => input(position)));
    await first.checkpoint();
    // It has stopped: while it still held the sequencer lease it would integrate the other's appends, find the
    // lowered size itself and fail them (AUDIT_LOG_INCONSISTENT), and no fork would ever be signed to verify.
    await first.close();
    await client.set(`${prefix}:audit:size`, '25');
    await client.del(`${prefix}:audit:checkpoints`);
    const unguarded = createAuditLog({ redis: client, prefix, signer });
    await unguarded.appendMany(Array.from({ length: 9 }, (_, position) => input(100 + position)));
    await unguarded.checkpoint();
    const report = await verifyFullLog({ redis: client, prefix, archiveDir, hubCertificate: signer.certificate });
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'checkpoint-fork' });
    expect(report.problem?.message).toContain('size 30');
    expect(report.problem?.message).toContain('size 34');
  });

  it('an entry rewritten with its leaf, with no later checkpoint matching, stays root-mismatch (tampering)', async () => {
    const f = await log40();
    const key = `${f.prefix}:audit:entries`;
    const body = (await f.client.hget(key, '7'))!;
    await f.client.hset(key, '7', body.replace('staff-7', 'staff-8'));
    // Its stored leaf rewritten too, so only the signed root shows the change.
    const at = blockLocation(auditKeys(f.prefix), 0, 7);
    await f.client.setrange(at.key, at.offset, leafHash(Buffer.from(body.replace('staff-7', 'staff-8'))));
    expect((await f.verify()).problem).toMatchObject({ kind: 'root-mismatch' });
  });
});

describe('search indexes rebuilt and compared', () => {
  it('an honest log: every index matches', async () => {
    expect(await (await log40()).verify()).toMatchObject({ ok: true, checkedEntries: 40 });
  });

  it('an entry removed from the agency index: index-missing, naming entry and index', async () => {
    const f = await log40();
    await f.client.zrem(f.index('agency:nv-housing'), '12');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-missing', seq: 12, index: 'agency:nv-housing' });
  });

  it('an entry removed from its subject index: index-missing', async () => {
    const f = await log40();
    const subject = (21).toString(16).padStart(64, 'c');
    await f.client.zrem(f.index(`subject:${subject}`), '21');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-missing', seq: 21, index: `subject:${subject}` });
  });

  it('an entry filed under the wrong agency: index-misfiled', async () => {
    const f = await log40();
    await f.client.zadd(f.index('agency:nv-education'), 5, '5');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-misfiled', seq: 5, index: 'agency:nv-education' });
  });

  it('an index naming a seq the log does not hold: index-misfiled; entries appended while verifying are not', async () => {
    const f = await log40();
    const verifying = f.verifyOnce();
    await f.log.appendMany([input(40), input(41)]);
    expect(await verifying).toMatchObject({ ok: true });
    await f.client.zadd(f.index('agency:nv-police'), 999, '999');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-misfiled', seq: 999, index: 'agency:nv-police' });
  });

  it('an entry moved in the time index: index-missing naming the time index', async () => {
    const f = await log40();
    await f.client.zadd(f.index('time'), 1, '9');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-missing', seq: 9, index: 'time' });
  });

  it('an honest log whose index sets outgrow the compact encoding (Redis skiplists): every index matches', async () => {
    const f = await logOf(300);
    expect(await f.client.object('ENCODING', f.index('agency:nv-housing'))).toBe('skiplist');
    expect(await f.verify()).toMatchObject({ ok: true, checkedEntries: 300 });
  });

  it('in a large index set: a missing entry, a misfiled one and one filed under another score are each found', async () => {
    const missing = await logOf(300);
    await missing.client.zrem(missing.index('event:disclosure'), '250');
    expect((await missing.verify()).problem).toMatchObject({ kind: 'index-missing', seq: 250, index: 'event:disclosure' });

    const misfiled = await logOf(300);
    // Entry 99 is a refusal (99 % 3 === 0): it does not belong in the disclosure index.
    await misfiled.client.zadd(misfiled.index('event:disclosure'), 99, '99');
    expect((await misfiled.verify()).problem).toMatchObject({ kind: 'index-misfiled', seq: 99, index: 'event:disclosure' });

    const moved = await logOf(300);
    await moved.client.zadd(moved.index('agency:nv-housing'), 123.5, '123');
    const problem = (await moved.verify()).problem;
    expect(problem).toMatchObject({ kind: 'index-missing', seq: 123, index: 'agency:nv-housing' });
    expect(problem?.message).toContain('under 123.5, not 123');
  });

  it('a member that only looks like a seq (05 for 5) is misfiled, not taken for the entry', async () => {
    const f = await log40();
    await f.client.zadd(f.index('agency:nv-police'), 4, '04');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-misfiled', seq: 4, index: 'agency:nv-police' });
  });

  it('the lowest seq is named when several entries are missing, across index sets', async () => {
    const f = await log40();
    await f.client.zrem(f.index('agency:nv-housing'), '30');
    await f.client.zrem(f.index('decision:permit'), '17');
    await f.client.zrem(f.index('time'), '25');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-missing', seq: 17, index: 'decision:permit' });
  });

  it('an archived entry removed from its subject index: index-missing, found from the archive file', async () => {
    const archiveDir = await bed.archiveDir('index-archive');
    const f = await logOf(40, { archiveDir });
    await f.log.archive({ olderThan: new Date(Date.now() + 60_000), maxEntriesPerSegment: 15 });
    expect(Number(await f.client.get(`${f.prefix}:audit:archived`))).toBeGreaterThan(6);
    expect(await f.verify()).toMatchObject({ ok: true, checkedEntries: 40 });
    const subject = (6).toString(16).padStart(64, 'c');
    await f.client.zrem(f.index(`subject:${subject}`), '6');
    expect((await f.verify()).problem).toMatchObject({ kind: 'index-missing', seq: 6, index: `subject:${subject}` });
  });
});
