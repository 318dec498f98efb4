import type { RedisClient } from '../../redis/index.js';
import type { AuditEntry, AuditEntryInput } from '../entry.js';
import { auditEntrySchema } from '../entry.js';
import type { AuditLogPort } from './audit-search.js';
import { bulkWriteEntries, completeEntry } from './contract-store.js';

/**
 * A stand-in audit log that keeps only the storage contract's layout (entry
 * bodies, indexes, size) — no Merkle tree, no checkpoints — with appends
 * serialised in this process. For tests of search while the real log
 * (src/audit createAuditLog) is not available; never for the hub.
 */
export function createContractLog(deps: { redis: RedisClient; prefix: string; now?: () => Date }): AuditLogPort & { size(): Promise<number> } {
  const base = deps.prefix.endsWith(':') ? deps.prefix : `${deps.prefix}:`;
  const now = deps.now ?? (() => new Date());
  let queue: Promise<unknown> = Promise.resolve();
  const size = async () => Number((await deps.redis.get(`${base}audit:size`)) ?? '0');
  return {
    size,
    append(input: AuditEntryInput): Promise<AuditEntry> {
      const next = queue.then(async () => {
        const entry = completeEntry(input, await size(), now());
        await bulkWriteEntries(deps.redis, deps.prefix, [entry]);
        return entry;
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async getEntries(seqs: number[]): Promise<AuditEntry[]> {
      if (seqs.length === 0) return [];
      const bodies = await deps.redis.hmget(`${base}audit:entries`, ...seqs.map(String));
      return bodies.filter((body): body is string => body !== null).map((body) => auditEntrySchema.parse(JSON.parse(body)));
    },
  };
}
