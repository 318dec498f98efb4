import { keyspace } from '../redis/index.js';
import { forEachIndexOf, type IndexedMembers, type IndexKind } from './index-membership.js';

export { forEachIndexOf, type IndexedMembers, type IndexKind };

/**
 * Redis key layout of the audit log (the storage contract shared with
 * src/audit/search; documented in docs/audit-format.md). Every key sits under
 * the configured `{hash tag}` prefix, so the append script may touch them all
 * on one Redis Cluster slot.
 */

/**
 * Tree blocks are kept as 32-byte slots in fixed-size strings, one series per
 * level: block (level, index) lives in `audit:tree:<level>:<index >> 16>` at
 * byte offset (index & 0xffff) * 32. 65,536 hashes (2 MiB) per string keeps
 * each string far below Redis' 512 MiB limit, and costs 32 bytes per hash
 * instead of a hash field's ~80.
 */
export const TREE_CHUNK_BITS = 16;
export const TREE_CHUNK_SIZE = 2 ** TREE_CHUNK_BITS;

export interface AuditKeys {
  size: string;
  entries: string;
  time: string;
  /** Number of leading entries whose bodies live in the archive (string int). */
  archived: string;
  /** Sorted set: score tree size, member the checkpoint JWS. */
  checkpoints: string;
  archiveLock: string;
  /** Right of way for a writer that keeps losing the append race (see lua/append.lua). */
  writer: string;
  /** The identity token of the shared archive store (src/audit/shared-store.ts). */
  storeToken: string;
  /** The sequencer's lease: the token of the one process that integrates entries (sequencer-lease.ts). */
  sequencer: string;
  /** Stream of batches other processes queued for the sequencer to integrate. */
  queue: string;
  /** Where a queued batch's appends went, kept a while for a process that missed the notice. */
  placed(streamId: string): string;
  /** Marks an append that must be stored at most once (a message's entries). */
  once(key: string): string;
  treeChunk(level: number, chunk: number): string;
  index(kind: IndexKind, value: string): string;
}

export function auditKeys(prefix: string): AuditKeys {
  const key = keyspace(prefix);
  // Built once: index keys are made for every entry appended.
  const indexBase = key('audit', 'ix', '');
  return {
    size: key('audit', 'size'),
    entries: key('audit', 'entries'),
    time: key('audit', 'ix', 'time'),
    archived: key('audit', 'archived'),
    checkpoints: key('audit', 'checkpoints'),
    archiveLock: key('audit', 'archive', 'lock'),
    writer: key('audit', 'writer'),
    storeToken: key('audit', 'store'),
    sequencer: key('audit', 'sequencer'),
    queue: key('audit', 'queue'),
    placed: (streamId) => key('audit', 'placed', streamId),
    once: (onceKey) => key('audit', 'once', onceKey),
    treeChunk: (level, chunk) => key('audit', 'tree', String(level), String(chunk)),
    index: (kind, value) => `${indexBase}${kind}:${value}`,
  };
}

/** Where a tree block lives: which string and at which byte offset. */
export function blockLocation(keys: AuditKeys, level: number, index: number): { key: string; offset: number } {
  const chunk = Math.floor(index / TREE_CHUNK_SIZE);
  return { key: keys.treeChunk(level, chunk), offset: (index - chunk * TREE_CHUNK_SIZE) * 32 };
}

/** The index sorted sets an entry belongs to (besides `audit:ix:time`), each once. */
export function indexKeysOf(keys: AuditKeys, entry: IndexedMembers): string[] {
  const found = new Set<string>();
  forEachIndexOf(entry, (kind, value) => found.add(keys.index(kind, value)));
  return [...found];
}
