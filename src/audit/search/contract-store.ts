import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../redis/index.js';
import { auditEntryInputSchema, auditEntrySchema, type AuditEntry, type AuditEntryInput } from '../entry.js';
import { entryJsonLine } from './entry-export.js';
import { auditIndexKeys } from './index-keys.js';

/**
 * Writes entries in the layout the audit storage contract fixes (bodies in
 * HASH `audit:entries`, the index sorted sets, `audit:size`), without the
 * Merkle leaves. For benchmarks that need a million entries in seconds and
 * for tests that exercise search against a plain contract store; the hub
 * itself appends only through the audit log (src/audit).
 */
export async function bulkWriteEntries(redis: RedisClient, prefix: string, entries: readonly AuditEntry[]): Promise<void> {
  const keys = auditIndexKeys(prefix);
  const bodies = `${prefix.endsWith(':') ? prefix : `${prefix}:`}audit:entries`;
  const pipeline = redis.pipeline();
  let top = -1;
  for (const entry of entries) {
    const seq = String(entry.seq);
    top = Math.max(top, entry.seq);
    pipeline.hset(bodies, seq, entryJsonLine(entry).trimEnd());
    for (const key of indexKeysOf(keys, entry)) pipeline.zadd(key, entry.seq, seq);
    pipeline.zadd(keys.time, Date.parse(entry.time), seq);
  }
  await pipeline.exec();
  if (top >= 0) {
    // audit:size only grows: a second batch below the top must not shrink it.
    const current = Number((await redis.get(keys.size)) ?? '0');
    if (top + 1 > current) await redis.set(keys.size, String(top + 1));
  }
}

export function indexKeysOf(keys: ReturnType<typeof auditIndexKeys>, entry: AuditEntry): string[] {
  const out = new Set<string>();
  for (const subjectKey of entry.subjectKeys) out.add(keys.subject(subjectKey));
  out.add(keys.agency(entry.agency));
  for (const recipient of entry.recipients) out.add(keys.agency(recipient));
  if (entry.actor) out.add(keys.actor(entry.agency, entry.actor.id));
  if (entry.purpose) out.add(keys.purpose(entry.purpose));
  out.add(keys.event(entry.event));
  if (entry.decision) out.add(keys.decision(entry.decision));
  return [...out];
}

export function newEntryId(): string {
  return `ae_${randomBytes(12).toString('hex')}`;
}

/** Completes an input the way the log does on append (seq, id, time), validated. */
export function completeEntry(input: AuditEntryInput, seq: number, time: Date): AuditEntry {
  const parsed = auditEntryInputSchema.parse(input);
  return auditEntrySchema.parse({ ...parsed, seq, id: newEntryId(), time: time.toISOString() });
}
