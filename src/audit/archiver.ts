import { randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/index.js';
import type { ArchiveStore, ManifestRow } from './archive-store.js';
import type { AuditKeys } from './keys.js';
import type { TreeStore } from './tree-store.js';
import { readCheckpointUnverified } from './verify/checkpoint.js';
import { leafHash } from './verify/hashing.js';

export interface ArchiveOptions {
  /** Entries whose time is before this move to the archive. */
  olderThan: Date;
  /** Most entries in one segment file. */
  maxEntriesPerSegment?: number;
}

export interface ArchiveResult {
  segments: ManifestRow[];
  /** Entries [0, archivedUpTo) now live in the archive. */
  archivedUpTo: number;
  /** True when another process held the archive lock and nothing was done. */
  busy: boolean;
}

const READ_CHUNK = 1000;
const LOCK_MS = 10 * 60 * 1000;
const UNLOCK_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/**
 * Moves the bodies of old entries from Redis to segment files. Only a prefix
 * of the log moves (the archive is ordered by seq), and only as far as a
 * signed checkpoint reaches, so every segment carries a checkpoint that
 * covers it. Leaves, tree blocks and search indexes stay in Redis, so proofs
 * and search keep working. The bodies leave Redis only after the segment,
 * its checkpoint and the manifest are fsynced.
 */
export async function archiveOldEntries(
  deps: { redis: RedisClient; keys: AuditKeys; tree: TreeStore; store: ArchiveStore; logger?: Logger | undefined },
  options: ArchiveOptions,
): Promise<ArchiveResult> {
  const { redis, keys, tree, store, logger } = deps;
  const maxPerSegment = options.maxEntriesPerSegment ?? 100_000;
  if (!(maxPerSegment >= 1)) throw new TypeError('maxEntriesPerSegment must be at least 1');
  const cutoff = options.olderThan.getTime();
  const token = randomBytes(12).toString('hex');
  if ((await redis.set(keys.archiveLock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
    return { segments: [], archivedUpTo: Number((await redis.get(keys.archived)) ?? '0'), busy: true };
  }
  try {
    let archived = await reconcile();
    const size = Number((await redis.get(keys.size)) ?? '0');
    const [, newestSize] = await redis.zrevrange(keys.checkpoints, 0, 0, 'WITHSCORES');
    const reach = Math.min(await firstNotOlder(archived, size, cutoff), Number(newestSize ?? '0'));
    const segments: ManifestRow[] = [];
    while (archived < reach) {
      const end = Math.min(reach, archived + maxPerSegment);
      // The smallest signed tree that covers the whole segment.
      const [checkpointJws] = await redis.zrangebyscore(keys.checkpoints, end, '+inf', 'LIMIT', 0, 1);
      if (!checkpointJws || readCheckpointUnverified(checkpointJws).treeSize < end) break;
      const lines = await readCheckedBodies(archived, end);
      const row = await store.addSegment(archived, lines, checkpointJws);
      await redis.set(keys.archived, String(end));
      await dropBodies(archived, end);
      segments.push(row);
      logger?.info('audit entries archived', { event: 'audit.archive', first: row.first, last: row.last, file: row.file });
      archived = end;
    }
    return { segments, archivedUpTo: archived, busy: false };
  } finally {
    await redis.eval(UNLOCK_SCRIPT, 1, keys.archiveLock, token);
  }

  /** After a crash between the manifest and Redis, the manifest wins: its files are durable. */
  async function reconcile(): Promise<number> {
    const inRedis = Number((await redis.get(keys.archived)) ?? '0');
    const { segments } = await store.readManifest();
    const last = segments[segments.length - 1];
    const inFiles = last ? last.last + 1 : 0;
    if (inFiles > inRedis) {
      await redis.set(keys.archived, String(inFiles));
      await dropBodies(inRedis, inFiles);
      return inFiles;
    }
    if (inFiles < inRedis) throw new HubError('AUDIT_TAMPERED', 'Redis says more entries are archived than the archive manifest lists');
    return inRedis;
  }

  /** The first seq at or after `from` whose time is not before the cutoff. */
  async function firstNotOlder(from: number, size: number, cutoffMs: number): Promise<number> {
    for (let start = from; start < size; start += READ_CHUNK) {
      const seqs = range(start, Math.min(size, start + READ_CHUNK));
      const bodies = await redis.hmget(keys.entries, ...seqs.map(String));
      for (let position = 0; position < seqs.length; position += 1) {
        const body = bodies[position];
        if (!body) return seqs[position] as number;
        const time = Date.parse((JSON.parse(body) as { time: string }).time);
        if (!(time < cutoffMs)) return seqs[position] as number;
      }
    }
    return size;
  }

  /** Reads bodies [from, to) and checks each against its stored leaf: never archive a tampered entry. */
  async function readCheckedBodies(from: number, to: number): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (let start = from; start < to; start += READ_CHUNK) {
      const seqs = range(start, Math.min(to, start + READ_CHUNK));
      const [bodies, leaves] = await Promise.all([redis.hmgetBuffer(keys.entries, ...seqs.map(String)), tree.readLeaves(start, seqs.length)]);
      seqs.forEach((seq, position) => {
        const body = bodies[position];
        const stored = leaves.subarray(position * 32, position * 32 + 32);
        if (!body || !leafHash(body).equals(stored)) {
          throw new HubError('AUDIT_TAMPERED', `entry ${seq} does not match its leaf; archiving stopped`, { seq });
        }
        lines.push(body);
      });
    }
    return lines;
  }

  async function dropBodies(from: number, to: number): Promise<void> {
    for (let start = from; start < to; start += READ_CHUNK) {
      await redis.hdel(keys.entries, ...range(start, Math.min(to, start + READ_CHUNK)).map(String));
    }
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, position) => from + position);
}
