import type { RedisClient } from '../redis/index.js';
import type { ArchiveStore } from './archive-store.js';
import type { AuditKeys } from './keys.js';

/**
 * Raw canonical entry bytes by seq: from Redis first, then, for those Redis
 * no longer holds (archived), from the archive segments. Seqs found in
 * neither are left out of the map, for the caller to name.
 */
export async function readEntryBytes(
  redis: RedisClient,
  keys: Pick<AuditKeys, 'entries'>,
  archive: Pick<ArchiveStore, 'readEntries'> | undefined,
  seqs: number[],
): Promise<Map<number, Buffer>> {
  const found = new Map<number, Buffer>();
  if (seqs.length === 0) return found;
  const bodies = await redis.hmgetBuffer(keys.entries, ...seqs.map(String));
  const missing: number[] = [];
  seqs.forEach((seq, position) => {
    const body = bodies[position];
    if (body) found.set(seq, body);
    else missing.push(seq);
  });
  if (missing.length > 0 && archive) {
    for (const [seq, body] of await archive.readEntries(missing)) found.set(seq, body);
  }
  return found;
}
