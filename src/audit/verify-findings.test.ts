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

async function log40() {
  const { redis, signer } = bed;
  const prefix = redis.newPrefix();
  const client: Redis = redis.connect();
  const log = createAuditLog({ redis: client, prefix, signer });
  await log.appendMany(Array.from({ length: 40 }, (_, position) => input(position)));
  await log.checkpoint();
  const verify = () => verifyFullLog({ redis: client, prefix, hubCertificate: signer.certificate });
  return { prefix, client, log, verify, index: (name: string) => `${prefix}:audit:ix:${name}` };
}

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
    const verifying = f.verify();
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
});
