import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { connectRedis, startEmbeddedRedis } from '../redis/index.js';
import type { AuditEntry, AuditEntryInput } from './entry.js';
import { verifyFullLog } from './full-verify.js';
import { createAuditLog, type AuditLog } from './log.js';
import { createTestSigner } from './test-signer.js';
import { signCheckpoint } from './checkpoint-signer.js';
import { leafHash } from './verify/hashing.js';

/**
 * Tamper evidence: each kind of tampering, in Redis and in an archive file,
 * is caught by full verification, which names the entry.
 */

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
  const folder = await mkdtemp(path.join(tmpdir(), 'isp-audit-tamper-'));
  folders.push(folder);
  return folder;
}

function input(position: number): AuditEntryInput {
  return {
    event: position % 4 === 0 ? 'refusal' : 'disclosure',
    agency: 'northvale-yot',
    actor: { id: `yo-${position}`, role: 'yot-officer' },
    subjectKeys: [position.toString(16).padStart(64, 'b')],
    purpose: 'child-safeguarding',
    decision: position % 4 === 0 ? 'deny' : 'permit',
    recipients: ['northvale-childrens'],
  };
}

interface Fixture {
  log: AuditLog;
  client: Redis;
  prefix: string;
  archiveDir: string;
  entries: AuditEntry[];
  verify(): ReturnType<typeof verifyFullLog>;
}

/** 60 entries, checkpoints at 20, 45 and 60; with `archive`, entries 0-29 in segments of 15. */
async function fixture(options: { archive?: boolean } = {}): Promise<Fixture> {
  const prefix = redis.newPrefix();
  const archiveDir = await newFolder();
  let now = new Date('2024-01-01T00:00:00.000Z');
  const client = redis.connect();
  const log = createAuditLog({ redis: client, prefix, signer, archiveDir, clock: () => now });
  const entries: AuditEntry[] = [];
  for (const [from, to] of [[0, 20], [20, 45], [45, 60]] as const) {
    if (from === 45) now = new Date('2024-06-01T00:00:00.000Z');
    entries.push(...(await log.appendMany(Array.from({ length: to - from }, (_, i) => input(from + i)))));
    await log.checkpoint();
  }
  if (options.archive) {
    const result = await log.archive({ olderThan: new Date('2024-01-01T00:00:00.001Z'), maxEntriesPerSegment: 15 });
    expect(result.archivedUpTo).toBe(45);
  }
  return {
    log,
    client,
    prefix,
    archiveDir,
    entries,
    verify: async () => {
      // Every finding must be the same whether leaves are hashed inline or on the worker thread.
      const inline = await verifyFullLog({ redis: client, prefix, archiveDir, hubCertificate: signer.certificate, hashWorker: false });
      const onWorker = await verifyFullLog({ redis: client, prefix, archiveDir, hubCertificate: signer.certificate, hashWorker: true });
      expect(onWorker).toEqual(inline);
      return inline;
    },
  };
}

describe('full verification of an honest log', () => {
  it('accepts it, in Redis and across the archive', async () => {
    const plain = await fixture();
    expect(await plain.verify()).toMatchObject({ ok: true, checkedEntries: 60, treeSize: 60 });
    const archived = await fixture({ archive: true });
    expect(await archived.verify()).toMatchObject({ ok: true, checkedEntries: 60, archivedUpTo: 45 });
  });
});

describe('tampering in Redis', () => {
  it('one changed byte of an entry: named by seq and id', async () => {
    const f = await fixture();
    const key = `${f.prefix}:audit:entries`;
    const body = (await f.client.hgetBuffer(key, '17'))!;
    const position = body.indexOf('child-safeguarding');
    body[position] = 'C'.charCodeAt(0);
    await f.client.hset(key, '17', body);
    const report = await f.verify();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'entry-mismatch', seq: 17, id: f.entries[17]!.id });
    expect(report.checkedEntries).toBe(17);
  });

  it('a deleted entry', async () => {
    const f = await fixture();
    await f.client.hdel(`${f.prefix}:audit:entries`, '23');
    expect((await f.verify()).problem).toMatchObject({ kind: 'entry-missing', seq: 23 });
  });

  it('two entries swapped', async () => {
    const f = await fixture();
    const key = `${f.prefix}:audit:entries`;
    const [a, b] = await f.client.hmgetBuffer(key, '31', '32');
    await f.client.hset(key, '31', b!, '32', a!);
    const report = await f.verify();
    expect(report.problem).toMatchObject({ kind: 'entry-mismatch', seq: 31, id: f.entries[32]!.id });
    expect(report.problem?.message).toContain('entry 32');
  });

  it('the tail truncated', async () => {
    const f = await fixture();
    await f.client.hdel(`${f.prefix}:audit:entries`, '55', '56', '57', '58', '59');
    await f.client.set(`${f.prefix}:audit:size`, '55');
    expect((await f.verify()).problem).toMatchObject({ kind: 'rollback', seq: 55 });
  });

  it('an entry rewritten together with its stored leaf: the signed root no longer matches', async () => {
    const f = await fixture();
    const key = `${f.prefix}:audit:entries`;
    const forged = Buffer.from((await f.client.hget(key, '33'))!.replace('"permit"', '"deny"'));
    await f.client.hset(key, '33', forged);
    await f.client.setrange(`${f.prefix}:audit:tree:0:0`, 33 * 32, leafHash(forged));
    const report = await f.verify();
    expect(report.problem).toMatchObject({ kind: 'root-mismatch', seq: 20 });
    expect(report.problem?.message).toContain('between 20 and 44');
  });

  it('a checkpoint not signed by the hub', async () => {
    const f = await fixture();
    const impostor = await createTestSigner('Not The Hub');
    const forged = await signCheckpoint(impostor, { origin: 'isp-hub', treeSize: 60, rootHash: Buffer.alloc(32).toString('base64'), time: new Date().toISOString() });
    await f.client.zadd(`${f.prefix}:audit:checkpoints`, 60, forged);
    expect((await f.verify()).problem).toMatchObject({ kind: 'checkpoint-invalid' });
  });
});

describe('tampering in an archive file', () => {
  const segment = (f: Fixture, name: string) => path.join(f.archiveDir, name);
  const lines = async (f: Fixture, name: string) => (await readFile(segment(f, name), 'utf8')).split('\n').filter((line) => line.length > 0);
  const write = (f: Fixture, name: string, rows: string[]) => writeFile(segment(f, name), rows.map((row) => `${row}\n`).join(''));

  it('one changed byte: named by seq, id and file', async () => {
    const f = await fixture({ archive: true });
    const bytes = await readFile(segment(f, 'segment-0-14.jsonl'));
    const lineStart = bytes.indexOf(Buffer.from(`"id":"${f.entries[5]!.id}"`));
    bytes[lineStart + 10] = bytes[lineStart + 10] === 0x61 ? 0x62 : 0x61;
    await writeFile(segment(f, 'segment-0-14.jsonl'), bytes);
    const report = await f.verify();
    expect(report.problem).toMatchObject({ kind: 'entry-mismatch', seq: 5, file: 'segment-0-14.jsonl' });
  });

  it('a deleted line', async () => {
    const f = await fixture({ archive: true });
    const rows = await lines(f, 'segment-15-29.jsonl');
    rows.splice(8, 1);
    await write(f, 'segment-15-29.jsonl', rows);
    expect((await f.verify()).problem).toMatchObject({ kind: 'entry-mismatch', seq: 23, id: f.entries[24]!.id, file: 'segment-15-29.jsonl' });
  });

  it('two lines swapped', async () => {
    const f = await fixture({ archive: true });
    const rows = await lines(f, 'segment-30-44.jsonl');
    [rows[2], rows[3]] = [rows[3]!, rows[2]!];
    await write(f, 'segment-30-44.jsonl', rows);
    expect((await f.verify()).problem).toMatchObject({ kind: 'entry-mismatch', seq: 32, id: f.entries[33]!.id });
  });

  it('the file truncated', async () => {
    const f = await fixture({ archive: true });
    const rows = await lines(f, 'segment-30-44.jsonl');
    await write(f, 'segment-30-44.jsonl', rows.slice(0, 12));
    expect((await f.verify()).problem).toMatchObject({ kind: 'entry-missing', seq: 42, file: 'segment-30-44.jsonl' });
  });

  it('a byte added outside every entry', async () => {
    const f = await fixture({ archive: true });
    const rows = await lines(f, 'segment-0-14.jsonl');
    await writeFile(segment(f, 'segment-0-14.jsonl'), `${rows.join('\n')}\n\n`);
    expect((await f.verify()).problem).toMatchObject({ kind: 'archive-file-changed', file: 'segment-0-14.jsonl' });
  });

  it('a segment dropped from the manifest', async () => {
    const f = await fixture({ archive: true });
    const manifestPath = path.join(f.archiveDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.segments.splice(1, 1);
    await writeFile(manifestPath, JSON.stringify(manifest));
    expect((await f.verify()).problem).toMatchObject({ kind: 'manifest-broken', seq: 15 });
  });
});

describe('a Redis restart that lost the tail (no AOF)', () => {
  it('is caught against the last checkpoint held outside Redis', async () => {
    const dataDir = await newFolder();
    const archiveDir = await newFolder();
    const first = await startEmbeddedRedis({ dataDir, appendOnly: false });
    const prefix = redis.newPrefix();
    let latestJws: string;
    try {
      const client = connectRedis({ url: first.url });
      const log = createAuditLog({ redis: client, prefix, signer, archiveDir });
      await log.appendMany(Array.from({ length: 20 }, (_, i) => input(i)));
      await log.checkpoint();
      await (client as Redis).save(); // the last snapshot Redis will come back with
      await log.appendMany(Array.from({ length: 15 }, (_, i) => input(20 + i)));
      latestJws = (await log.checkpoint()).jws; // a DPO fetched this one
      client.disconnect();
    } finally {
      await first.kill();
    }
    const second = await startEmbeddedRedis({ dataDir, appendOnly: false });
    try {
      const client = connectRedis({ url: second.url });
      expect(await client.get(`${prefix}:audit:size`)).toBe('20');
      // Redis alone looks consistent: its own newest checkpoint is at 20.
      expect(await verifyFullLog({ redis: client, prefix, hubCertificate: signer.certificate })).toMatchObject({ ok: true, treeSize: 20 });
      // The DPO's copy of the newest checkpoint shows the loss...
      const withCopy = await verifyFullLog({ redis: client, prefix, hubCertificate: signer.certificate, extraCheckpoints: [latestJws] });
      expect(withCopy.problem).toMatchObject({ kind: 'rollback', seq: 20 });
      // ...and so does the hub's own copy of every checkpoint kept beside the archive.
      const withArchive = await verifyFullLog({ redis: client, prefix, archiveDir, hubCertificate: signer.certificate });
      expect(withArchive.problem).toMatchObject({ kind: 'rollback', seq: 20 });
      expect(withArchive.latestCheckpoint?.treeSize).toBe(35);
      client.disconnect();
    } finally {
      await second.stop();
    }
  });
});
