import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { isHubError } from '../errors.js';
import type { RedisClient } from '../redis/index.js';
import type { ReadSortedSetsOptions } from '../redis/sorted-set-members.js';
import { createArchiveStore, rowHash, sha256Hex, splitLines, ZERO_HASH_HEX, type ManifestRow } from './archive-store.js';
import { auditKeys } from './keys.js';
import { CHECKPOINT_LOG_FILE } from './rollback-guard.js';
import { createIndexCheck } from './index-check.js';
import { createLeafHasher, type LeafHasher } from './leaf-hasher.js';
import { createTreeStore } from './tree-store.js';
import { checkpointKeyId, readCheckpointUnverified, readHubCertificates, verifyCheckpoint, type Checkpoint, type HubCertificates } from './verify/checkpoint.js';
import { leafHash } from './verify/hashing.js';
import { MerkleFrontier } from './verify/merkle.js';

export type ProblemKind =
  | 'checkpoint-invalid'
  | 'checkpoint-fork'
  | 'no-checkpoint'
  | 'manifest-broken'
  | 'archive-file-changed'
  | 'archive-missing'
  | 'entry-missing'
  | 'entry-mismatch'
  | 'leaf-missing'
  | 'root-mismatch'
  | 'rollback'
  | 'index-missing'
  | 'index-misfiled';

export interface VerifyProblem {
  kind: ProblemKind;
  /** The first entry that does not match, when one can be named. */
  seq?: number;
  /** The id found at that position, when the bytes there still parse. */
  id?: string;
  /** The archive file involved, if any. */
  file?: string;
  /** The search index involved (`agency:nv-police`, `subject:<key>`, `time`), for index problems. */
  index?: string;
  message: string;
}

export interface FullVerifyReport {
  ok: boolean;
  /** Entries the log holds (`audit:size`). */
  treeSize: number;
  /** Entries whose leaves were recomputed and matched before the first problem. */
  checkedEntries: number;
  /** The newest valid signed checkpoint seen, from Redis, the archive or the caller. */
  latestCheckpoint?: Checkpoint;
  archivedUpTo: number;
  problem?: VerifyProblem;
}

export interface FullVerifyOptions {
  redis: RedisClient;
  prefix: string;
  archiveDir?: string;
  /** The hub signing certificate, or every one it has used (its published history): each checkpoint is checked against the one it names. */
  hubCertificate: HubCertificates;
  /** Checkpoints held outside the hub (a DPO's copy): a Redis that lost its tail cannot hide from these. */
  extraCheckpoints?: string[];
  onProgress?: (checked: number, total: number) => void;
  batchSize?: number;
  /**
   * Hash leaves on a worker thread (leaf-hasher.ts). Default: only when at
   * least WORKER_THRESHOLD entries are to be checked, where starting the
   * worker pays for itself, and the machine has a core for it besides the
   * main thread and Redis. On two cores that is so only while the indexes
   * are checked too: the leaf check alone leaves the main thread too little
   * to do for the worker's packing and hand-over to pay (measured: ~180,000
   * entries/s inline, ~150,000 with the worker), while reading every entry's
   * index members makes the main thread the one that sets the pace.
   */
  hashWorker?: boolean;
  /** Rebuild the search indexes from the entries and compare them with Redis (default true). */
  checkIndexes?: boolean;
  /** How the index sets are read (src/redis/sorted-set-members.ts): whole with DUMP up to a size, else ZRANGE. */
  indexReads?: ReadSortedSetsOptions;
}

const WORKER_THRESHOLD = 20_000;
const WORKER_MIN_CORES = 4;
const WORKER_MIN_CORES_WITH_INDEXES = 2;

/** A slot SETRANGE padded but never filled: Redis pads strings with zero bytes. */
const NEVER_WRITTEN = Buffer.alloc(32);

class Found extends Error {
  constructor(readonly problem: VerifyProblem) {
    super(problem.message);
  }
}

/**
 * `isp-hub audit verify --full`: recomputes every leaf from the archive and
 * Redis, compares each with the leaf stored when it was appended, rebuilds
 * the tree and compares its root with every signed checkpoint. Reports the
 * first entry that does not match. Trusts nothing but the hub certificate.
 */
export async function verifyFullLog(options: FullVerifyOptions): Promise<FullVerifyReport> {
  const { redis } = options;
  const keys = auditKeys(options.prefix);
  const tree = createTreeStore(redis, keys);
  const batchSize = options.batchSize ?? 4096;
  const store = options.archiveDir ? createArchiveStore(options.archiveDir) : undefined;
  const [sizeText, archivedText] = await Promise.all([redis.get(keys.size), redis.get(keys.archived)]);
  const size = Number(sizeText ?? '0');
  const archivedUpTo = Number(archivedText ?? '0');
  let checked = 0;
  let latest: Checkpoint | undefined;
  let hasher: LeafHasher | undefined;
  /** The first signed root the stored tree did not have, while it is not yet known whether a fork explains it. */
  let unmatched: { size: number; previous: number; problem: VerifyProblem } | undefined;

  try {
    const manifestRows = store ? await readManifestChecked() : [];
    const checkpoints = await collectCheckpoints(manifestRows);
    latest = [...checkpoints.values()].reduce<Checkpoint | undefined>((best, next) => (!best || next.treeSize > best.treeSize ? next : best), undefined);
    if (!latest) {
      if (size === 0) return { ok: true, treeSize: 0, checkedEntries: 0, archivedUpTo };
      throw new Found({ kind: 'no-checkpoint', message: 'no signed checkpoint to verify the log against' });
    }
    const archiveEnd = manifestRows.length > 0 ? (manifestRows[manifestRows.length - 1] as ManifestRow).last + 1 : 0;
    if (archivedUpTo > archiveEnd) {
      throw new Found({ kind: 'entry-missing', seq: archiveEnd, message: `entry ${archiveEnd} is marked archived but no archive segment holds it` });
    }
    const frontier = new MerkleFrontier();
    const total = Math.max(size, latest.treeSize);
    const indexes = options.checkIndexes === false ? undefined : createIndexCheck(redis, keys, options.indexReads);
    const signedUpTo = latest.treeSize;
    /**
     * A signed root the stored tree does not have is tampering, unless a
     * later signed checkpoint does match the stored tree: then the hub itself
     * signed two views that do not extend one another (a rollback it went on
     * from), which is a fork. So the first mismatch waits for the next one.
     */
    const checkRoot = () => {
      const signed = checkpoints.get(frontier.size);
      if (!signed) return;
      const matches = frontier.root().equals(Buffer.from(signed.rootHash, 'base64'));
      if (matches && unmatched) {
        throw new Found({
          kind: 'checkpoint-fork',
          seq: unmatched.previous,
          message: `the hub signed a fork: the checkpoint of size ${unmatched.size} and the later one of size ${frontier.size} do not extend one another; the stored log follows the later one, rewritten from entry ${unmatched.previous} or after (a rollback the hub went on from; see docs/operations.md)`,
        });
      }
      if (!matches && !unmatched) {
        const previous = [...checkpoints.keys()].filter((treeSize) => treeSize < frontier.size).reduce((a, b) => Math.max(a, b), 0);
        unmatched = {
          size: frontier.size,
          previous,
          problem: {
            kind: 'root-mismatch',
            seq: previous,
            message: `the tree of the first ${frontier.size} entries does not have the signed root: an entry between ${previous} and ${frontier.size - 1} was changed together with its stored leaf`,
          },
        };
      }
    };
    /** `computed` is the leaf hash from the worker, when it hashed this entry. */
    const checkOne = (seq: number, body: Buffer | undefined, stored: Buffer, file?: string, computed?: Buffer) => {
      if (!body || body.length === 0) throw new Found({ kind: 'entry-missing', seq, ...(file ? { file } : {}), message: `entry ${seq} is missing${file ? ` from ${file}` : ''}` });
      const leaf = computed ?? leafHash(body);
      // The common case first: a leaf equal to a 32-byte stored slot cannot be a missing one.
      if (stored.length === 32 && leaf.equals(stored)) {
        frontier.append(leaf);
        checked += 1;
        checkRoot();
        return;
      }
      if (stored.length !== 32 || stored.equals(NEVER_WRITTEN)) {
        throw new Found({ kind: 'leaf-missing', seq, ...idOf(body), message: `the stored leaf of entry ${seq} is missing` });
      }
      const found = idOf(body);
      const heldSeq = seqOf(body);
      const held = heldSeq !== undefined && heldSeq !== seq ? ` (the bytes there are entry ${heldSeq})` : '';
      throw new Found({
        kind: 'entry-mismatch',
        seq,
        ...found,
        ...(file ? { file } : {}),
        message: `entry ${seq}${found.id ? ` (${found.id})` : ''} does not match its leaf${held}${file ? ` in ${file}` : ''}`,
      });
    };

    const coresForWorker = indexes ? WORKER_MIN_CORES_WITH_INDEXES : WORKER_MIN_CORES;
    if (options.hashWorker ?? (total >= WORKER_THRESHOLD && availableParallelism() >= coresForWorker)) hasher = createLeafHasher();
    const slot = (slots: Buffer | undefined, position: number) => slots?.subarray(position * 32, position * 32 + 32);

    // 1. archived entries, segment by segment
    for (const row of manifestRows) {
      if (!store) break;
      let bytes: Buffer;
      try {
        bytes = await store.readSegmentFile(row);
      } catch {
        throw new Found({ kind: 'archive-missing', seq: row.first, file: row.file, message: `archive segment ${row.file} (entries ${row.first} to ${row.last}) is missing or cannot be read` });
      }
      const lines = splitLines(bytes);
      const leaves = await tree.readLeaves(row.first, row.last - row.first + 1);
      const computed = await hasher?.hashLeaves(lines.slice(0, row.last - row.first + 1));
      for (let seq = row.first; seq <= row.last; seq += 1) {
        const position = seq - row.first;
        checkOne(seq, lines[position], leaves.subarray(position * 32, position * 32 + 32), row.file, slot(computed, position));
      }
      indexes?.recordBodies(row.first, lines.slice(0, row.last - row.first + 1), signedUpTo);
      if (lines.length > row.last - row.first + 1 || sha256Hex(bytes) !== row.sha256) {
        throw new Found({ kind: 'archive-file-changed', seq: row.last, file: row.file, message: `archive file ${row.file} differs from the manifest (its entries still match; the change is outside them)` });
      }
      options.onProgress?.(checked, total);
    }

    // 2. entries still in Redis, fetching (and, with the worker, hashing) the next batch while checking this one
    const fetchBatch = async (start: number) => {
      const seqs = Array.from({ length: Math.min(batchSize, size - start) }, (_, position) => String(start + position));
      const [bodies, leaves] = await Promise.all([redis.hmgetBuffer(keys.entries, ...seqs), tree.readLeaves(start, seqs.length)]);
      return { bodies, leaves, computed: await hasher?.hashLeaves(bodies) };
    };
    const prefetch = (start: number) => {
      const batch = fetchBatch(start);
      // Handled when awaited; a batch left in flight by a finding must not become an unhandled rejection.
      batch.catch(() => undefined);
      return batch;
    };
    let start = Math.max(archiveEnd, 0);
    let next = start < size ? prefetch(start) : undefined;
    while (next) {
      const { bodies, leaves, computed } = await next;
      const count = bodies.length;
      const following = start + count;
      next = following < size ? prefetch(following) : undefined;
      for (let position = 0; position < count; position += 1) {
        checkOne(start + position, bodies[position] ?? undefined, leaves.subarray(position * 32, position * 32 + 32), undefined, slot(computed, position));
      }
      indexes?.recordBodies(start, bodies as Buffer[], signedUpTo);
      start = following;
      options.onProgress?.(checked, total);
    }

    if (unmatched) throw new Found(unmatched.problem);

    // 3. a log shorter than what the hub once signed was rolled back (a restore, a replica promoted behind)
    if (size < latest.treeSize) {
      throw new Found({
        kind: 'rollback',
        seq: size,
        message: `the log was rolled back: it holds ${size} entries but a checkpoint signed at ${latest.time} covers ${latest.treeSize}; entries ${size} to ${latest.treeSize - 1} are gone (see docs/operations.md)`,
      });
    }

    // 4. the search indexes, against what the verified entries say they hold
    const indexProblem = await indexes?.check(size);
    if (indexProblem) throw new Found(indexProblem);
    return { ok: true, treeSize: size, checkedEntries: checked, latestCheckpoint: latest, archivedUpTo };
  } catch (error) {
    if (error instanceof Found) {
      // A root that did not match comes earlier in the log than anything found after it.
      const problem = unmatched && error.problem.kind !== 'checkpoint-fork' ? unmatched.problem : error.problem;
      return { ok: false, treeSize: size, checkedEntries: checked, ...(latest ? { latestCheckpoint: latest } : {}), archivedUpTo, problem };
    }
    throw error;
  } finally {
    await hasher?.close();
  }

  async function readManifestChecked(): Promise<ManifestRow[]> {
    if (!store) return [];
    let rows: ManifestRow[];
    try {
      rows = (await store.readManifest()).segments;
    } catch (error) {
      if (isHubError(error)) throw new Found({ kind: 'manifest-broken', file: 'manifest.json', message: error.message });
      throw error;
    }
    let previousHash = ZERO_HASH_HEX;
    let expectedFirst = 0;
    for (const row of rows) {
      const { hash, ...rest } = row;
      if (row.prev !== previousHash || rowHash(rest) !== hash || row.first !== expectedFirst || row.last < row.first) {
        throw new Found({ kind: 'manifest-broken', seq: expectedFirst, file: row.file, message: `the archive manifest chain breaks at ${row.file}` });
      }
      previousHash = hash;
      expectedFirst = row.last + 1;
    }
    return rows;
  }

  async function collectCheckpoints(rows: ManifestRow[]): Promise<Map<number, Checkpoint>> {
    const texts = new Set<string>(options.extraCheckpoints ?? []);
    for (const jws of await redis.zrange(keys.checkpoints, 0, -1)) texts.add(jws);
    for (const row of rows) texts.add(row.checkpoint);
    if (options.archiveDir) {
      try {
        const copy = await readFile(path.join(options.archiveDir, CHECKPOINT_LOG_FILE), 'utf8');
        for (const line of copy.split('\n')) if (line.trim()) texts.add(line.trim());
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const bySize = new Map<number, Checkpoint>();
    const certificates = readHubCertificates(options.hubCertificate);
    // Smallest tree first, so that the checkpoint named is the first that fails.
    const ordered = [...texts].map((jws) => ({ jws, size: sizeOf(jws) })).sort((a, b) => a.size - b.size);
    for (const { jws, size: claimed } of ordered) {
      let checkpoint: Checkpoint;
      try {
        checkpoint = await verifyCheckpoint(jws, certificates);
      } catch (error) {
        const reason = isHubError(error) && typeof error.details?.['reason'] === 'string' ? error.details['reason'] : 'unreadable';
        const key = checkpointKeyId(jws);
        throw new Found({
          kind: 'checkpoint-invalid',
          ...(Number.isFinite(claimed) ? { seq: claimed } : {}),
          message: `the checkpoint ${Number.isFinite(claimed) ? `of tree size ${claimed} ` : ''}does not verify (${reason})${key ? `; it names signing certificate x5t#S256 ${key}` : ''}`,
        });
      }
      const known = bySize.get(checkpoint.treeSize);
      if (known && known.rootHash !== checkpoint.rootHash) {
        throw new Found({ kind: 'checkpoint-fork', seq: checkpoint.treeSize, message: `two signed checkpoints give different roots for size ${checkpoint.treeSize}` });
      }
      if (!known || checkpoint.time < known.time) bySize.set(checkpoint.treeSize, checkpoint);
    }
    return new Map([...bySize.entries()].sort(([a], [b]) => a - b));
  }
}

/** The tree size a checkpoint claims, before its signature is checked (for ordering and naming only). */
function sizeOf(jws: string): number {
  try {
    return readCheckpointUnverified(jws).treeSize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function parsed(body: Buffer): { id?: unknown; seq?: unknown } {
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as { id?: unknown; seq?: unknown }) : {};
  } catch {
    return {};
  }
}

function idOf(body: Buffer): { id?: string } {
  const { id } = parsed(body);
  return typeof id === 'string' && /^ae_[0-9a-z]{10,40}$/.test(id) ? { id } : {};
}

function seqOf(body: Buffer): number | undefined {
  const { seq } = parsed(body);
  return typeof seq === 'number' ? seq : undefined;
}
