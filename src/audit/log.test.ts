import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { CheckpointScheduler } from './checkpoint-scheduler.js';
import type { AuditEntryInput } from './entry.js';
import { createAuditLog } from './log.js';
import { createTestSigner } from './test-signer.js';
import { verifyFullLog } from './full-verify.js';
import { canonicalBytes, leafHash } from './verify/hashing.js';
import { MerkleFrontier } from './verify/merkle.js';
import { verifyCheckpoint, verifyConsistency, verifyInclusion, entryLeafHash } from './verify/index.js';

let redis: TestRedis;
let signer: Awaited<ReturnType<typeof createTestSigner>>;
const folders: string[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  signer = await createTestSigner();
});
afterAll(async () => {
  await redis.stop();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function newFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'isp-audit-'));
  folders.push(folder);
  return folder;
}

function input(position: number, overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    event: 'disclosure',
    agency: 'northvale-police',
    actor: { id: `pc-${position % 5}`, role: 'custody-officer' },
    subjectKeys: [(position % 3).toString(16).padStart(64, 'a')],
    purpose: 'ppo-offender-management',
    legalBases: ['dpa2018-s35'],
    ruleIds: ['ppo-arrest-to-probation'],
    decision: 'permit',
    fieldsDisclosed: ['subject.pnc'],
    recipients: ['northvale-probation'],
    ...overrides,
  };
}

describe('append', () => {
  it('assigns seq, id and time, stores canonical JSON, and reads back', async () => {
    const prefix = redis.newPrefix();
    const log = createAuditLog({ redis: redis.connect(), prefix, signer, origin: 'northvale-hub' });
    const first = await log.append(input(0));
    const second = await log.append(input(1, { event: 'refusal', decision: 'deny' }));
    expect(first.seq).toBe(0);
    expect(second.seq).toBe(1);
    expect(first.id).toMatch(/^ae_[0-9a-z]{10,40}$/);
    expect(Date.parse(first.time)).not.toBeNaN();
    expect(await log.size()).toBe(2);
    expect(await log.getEntry(1)).toEqual(second);
    expect(await log.getEntries([1, 0, 7])).toEqual([second, first]);
    expect(await log.getEntry(2)).toBeUndefined();
    const client = redis.connect();
    const stored = await client.hget(`${prefix}:audit:entries`, '0');
    expect(stored).toBe(canonicalBytes(first).toString('utf8'));
    expect(Buffer.from(first.id).length).toBeGreaterThan(0);
  });

  it('writes every index in the same script: subject, agencies (actor and recipients), actor, purpose, event, decision, time', async () => {
    const prefix = redis.newPrefix();
    const log = createAuditLog({ redis: redis.connect(), prefix });
    const entry = await log.append(input(4, { recipients: ['northvale-probation', 'northvale-yot'] }));
    const client = redis.connect();
    const key = (...parts: string[]) => `${prefix}:audit:ix:${parts.join(':')}`;
    for (const indexKey of [
      key('subject', entry.subjectKeys[0] as string),
      key('agency', 'northvale-police'),
      key('agency', 'northvale-probation'),
      key('agency', 'northvale-yot'),
      key('actor', 'northvale-police/pc-4'),
      key('purpose', 'ppo-offender-management'),
      key('event', 'disclosure'),
      key('decision', 'permit'),
    ]) {
      expect(await client.zrange(indexKey, 0, -1, 'WITHSCORES'), indexKey).toEqual(['0', '0']);
    }
    expect(await client.zscore(key('time'), '0')).toBe(String(Date.parse(entry.time)));
  });

  it('refuses unknown fields and bad values with AUDIT_ENTRY_INVALID, without echoing values', async () => {
    const log = createAuditLog({ redis: redis.connect(), prefix: redis.newPrefix() });
    const sneaky = { ...input(0), body: { name: 'Alex Testperson' } } as unknown as AuditEntryInput;
    await expect(log.append(sneaky)).rejects.toMatchObject({ code: 'AUDIT_ENTRY_INVALID' });
    await expect(log.append(sneaky)).rejects.not.toThrow(/Alex/);
    await expect(log.append(input(0, { purpose: 'Alex Testperson' }))).rejects.toMatchObject({ code: 'AUDIT_ENTRY_INVALID' });
    await expect(log.append(input(0, { purpose: 'Alex Testperson' }))).rejects.not.toThrow(/Alex/);
    expect(await log.size()).toBe(0);
  });

  it('keeps one total order across several hub processes appending at once', async () => {
    const prefix = redis.newPrefix();
    const hubs = [0, 1, 2].map(() => createAuditLog({ redis: redis.connect(), prefix, signer }));
    const appended = (
      await Promise.all(hubs.map((hub, h) => Promise.all(Array.from({ length: 120 }, (_, i) => hub.append(input(h * 1000 + i))))))
    ).flat();
    const seqs = appended.map((entry) => entry.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 360 }, (_, i) => i));
    const log = hubs[0]!;
    expect(await log.size()).toBe(360);
    // The stored tree is the RFC 6962 tree of the stored entries, in seq order.
    const entries = await log.getEntries(seqs);
    const frontier = new MerkleFrontier();
    for (const entry of entries) frontier.append(leafHash(canonicalBytes(entry)));
    expect((await log.rootHash(360)).equals(frontier.root())).toBe(true);
    const report = await verifyFullLog({ redis: redis.connect(), prefix, hubCertificate: signer.certificate, extraCheckpoints: [(await log.checkpoint()).jws] });
    expect(report).toMatchObject({ ok: true, checkedEntries: 360 });
  });
});

describe('checkpoints and proofs', () => {
  it('signs checkpoints that the standalone verifier accepts, with inclusion and consistency proofs', async () => {
    const prefix = redis.newPrefix();
    const log = createAuditLog({ redis: redis.connect(), prefix, signer, origin: 'northvale-hub' });
    await log.appendMany(Array.from({ length: 13 }, (_, i) => input(i)));
    const older = await log.checkpoint();
    await log.appendMany(Array.from({ length: 30 }, (_, i) => input(100 + i)));
    const newer = await log.checkpoint();
    expect(older.checkpoint).toMatchObject({ origin: 'northvale-hub', treeSize: 13 });
    expect(newer.checkpoint.treeSize).toBe(43);
    expect((await log.checkpoint()).jws).toBe(newer.jws); // nothing new: no new checkpoint
    expect((await log.latestCheckpoint())?.jws).toBe(newer.jws);
    expect((await log.checkpointAt(13))?.jws).toBe(older.jws);
    expect(await log.checkpointAt(14)).toBeUndefined();
    expect((await log.checkpoints()).map((signed) => signed.checkpoint.treeSize)).toEqual([13, 43]);

    const oldCheckpoint = await verifyCheckpoint(older.jws, signer.certificate);
    const newCheckpoint = await verifyCheckpoint(newer.jws, signer.certificate.toString());
    for (let seq = 0; seq < 43; seq += 1) {
      const entry = (await log.getEntry(seq))!;
      expect(verifyInclusion(entry, await log.inclusionProof(seq, 43), newCheckpoint)).toBe(true);
    }
    const early = (await log.getEntry(5))!;
    expect(verifyInclusion(entryLeafHash(early), await log.inclusionProof(5, 13), oldCheckpoint)).toBe(true);
    expect(verifyConsistency(await log.consistencyProof(13, 43), oldCheckpoint, newCheckpoint)).toBe(true);

    // The wrong entry, or a proof against the other checkpoint, is refused.
    const other = (await log.getEntry(6))!;
    const proofFor5 = await log.inclusionProof(5, 43);
    expect(() => verifyInclusion(other, proofFor5, newCheckpoint)).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
    expect(() => verifyInclusion({ ...early, seq: 6 }, { type: 'inclusion', leafIndex: 6, treeSize: 43, leafHash: entryLeafHash(early).toString('base64'), path: [] }, newCheckpoint)).toThrow(
      expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }),
    );
    const proof = await log.inclusionProof(5, 43);
    expect(() => verifyInclusion(early, proof, oldCheckpoint)).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
    expect(() => verifyConsistency(proof, oldCheckpoint, newCheckpoint)).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
  });

  it('answers proofs only inside the log', async () => {
    const log = createAuditLog({ redis: redis.connect(), prefix: redis.newPrefix(), signer });
    await log.appendMany([input(0), input(1)]);
    await expect(log.inclusionProof(2, 2)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(log.inclusionProof(0, 3)).rejects.toMatchObject({ code: 'AUDIT_NOT_FOUND' });
    await expect(log.consistencyProof(2, 1)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(log.consistencyProof(-1, 1)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // The size check rides in the proof's own round trip: beyond the log is NOT_FOUND, not a lost block.
    await expect(log.consistencyProof(1, 3)).rejects.toMatchObject({ code: 'AUDIT_NOT_FOUND' });
    await expect(log.consistencyProof(0, 3)).rejects.toMatchObject({ code: 'AUDIT_NOT_FOUND' });
    await expect(log.rootHash(3)).rejects.toMatchObject({ code: 'AUDIT_NOT_FOUND' });
    expect((await log.rootHash(0)).length).toBe(32);
  });

  it('CheckpointScheduler signs every N entries and every T seconds, and stops', async () => {
    const log = createAuditLog({ redis: redis.connect(), prefix: redis.newPrefix(), signer });
    const scheduler = new CheckpointScheduler({ log, everyEntries: 10, everySeconds: 1 });
    scheduler.start();
    for (let i = 0; i < 25; i += 1) await log.append(input(i));
    await scheduler.checkpointNow();
    const sizes = (await log.checkpoints()).map((signed) => signed.checkpoint.treeSize);
    expect(sizes.some((size) => size >= 10)).toBe(true);
    expect(sizes.at(-1)).toBe(25);
    await log.append(input(99));
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect((await log.latestCheckpoint())?.checkpoint.treeSize).toBe(26);
    await scheduler.stop();
    await scheduler.stop();
    await log.append(input(100));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await log.latestCheckpoint())?.checkpoint.treeSize).toBe(26);
  });
});

describe('archive', () => {
  it('moves old entries to fsynced segments with a chained manifest, and reads and proves across both', async () => {
    const prefix = redis.newPrefix();
    const archiveDir = await newFolder();
    let now = new Date('2024-01-01T00:00:00.000Z');
    const log = createAuditLog({ redis: redis.connect(), prefix, signer, archiveDir, clock: () => now });
    await log.appendMany(Array.from({ length: 40 }, (_, i) => input(i)));
    await log.checkpoint();
    await log.appendMany(Array.from({ length: 25 }, (_, i) => input(40 + i)));
    await log.checkpoint();
    now = new Date('2024-03-01T00:00:00.000Z');
    await log.appendMany(Array.from({ length: 10 }, (_, i) => input(65 + i)));
    await log.checkpoint();
    const before = await log.getEntries(Array.from({ length: 75 }, (_, i) => i));

    const result = await log.archive({ olderThan: new Date('2024-02-01T00:00:00.000Z'), maxEntriesPerSegment: 30 });
    expect(result.busy).toBe(false);
    expect(result.archivedUpTo).toBe(65);
    expect(result.segments.map((row) => [row.first, row.last])).toEqual([[0, 29], [30, 59], [60, 64]]);
    const files = await readdir(archiveDir);
    expect(files).toEqual(expect.arrayContaining(['manifest.json', 'segment-0-29.jsonl', 'segment-0-29.checkpoint.jws', 'segment-60-64.jsonl']));
    expect(files.some((name) => name.includes('.tmp-'))).toBe(false);
    const manifest = JSON.parse(await readFile(path.join(archiveDir, 'manifest.json'), 'utf8'));
    expect(manifest.segments[1].prev).toBe(manifest.segments[0].hash);
    expect(manifest.segments[0].prev).toBe('0'.repeat(64));
    const segment = await readFile(path.join(archiveDir, 'segment-0-29.jsonl'), 'utf8');
    expect(segment.split('\n')[3]).toBe(canonicalBytes(before[3]).toString('utf8'));
    // Each segment's checkpoint covers it.
    const covering = await verifyCheckpoint(manifest.segments[2].checkpoint, signer.certificate);
    expect(covering.treeSize).toBeGreaterThanOrEqual(65);

    const client = redis.connect();
    expect(await client.hlen(`${prefix}:audit:entries`)).toBe(10);
    expect(await client.exists(`${prefix}:audit:ix:event:disclosure`)).toBe(1);
    const fresh = createAuditLog({ redis: redis.connect(), prefix, archiveDir });
    expect(await fresh.getEntries(Array.from({ length: 75 }, (_, i) => i))).toEqual(before);
    const latest = await verifyCheckpoint((await fresh.latestCheckpoint())!.jws, signer.certificate);
    expect(verifyInclusion(before[7]!, await fresh.inclusionProof(7, 75), latest)).toBe(true);
    expect(await verifyFullLog({ redis: client, prefix, archiveDir, hubCertificate: signer.certificate })).toMatchObject({ ok: true, checkedEntries: 75, archivedUpTo: 65 });

    // Appending continues after archiving, and a second run archives only what has become old.
    await log.append(input(99));
    now = new Date('2024-06-01T00:00:00.000Z');
    expect((await log.archive({ olderThan: new Date('2024-02-01T00:00:00.000Z') })).segments).toEqual([]);
  });

  it('archives only as far as a signed checkpoint reaches', async () => {
    const archiveDir = await newFolder();
    const log = createAuditLog({ redis: redis.connect(), prefix: redis.newPrefix(), signer, archiveDir, clock: () => new Date('2024-01-01T00:00:00Z') });
    await log.appendMany(Array.from({ length: 10 }, (_, i) => input(i)));
    expect((await log.archive({ olderThan: new Date('2025-01-01T00:00:00Z') })).archivedUpTo).toBe(0);
    await log.checkpoint();
    await log.appendMany(Array.from({ length: 5 }, (_, i) => input(10 + i)));
    expect((await log.archive({ olderThan: new Date('2025-01-01T00:00:00Z') })).archivedUpTo).toBe(10);
  });
});
