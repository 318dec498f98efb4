import { totalmem } from 'node:os';

const MIB = 1024 * 1024;
/** Below this the hub's own keys (queues, audit index, replay records) would crowd out any real work. */
export const EMBEDDED_MIN_MAXMEMORY_BYTES = 256 * MIB;

/**
 * The `maxmemory` the embedded redis-server gets unless REDIS_MAXMEMORY_MB
 * says otherwise: half the machine's memory, and at least 256 MiB.
 *
 * Half, because the rest is needed beside it: an AOF rewrite forks, and
 * under writes copy-on-write can touch a large share of the dataset again;
 * the hub's own processes and the operating system's page cache (which
 * holds the AOF) need their share too. With `noeviction` (the hub never lets
 * Redis drop a key: it would be a lost message or a hole in the audit log),
 * reaching `maxmemory` makes Redis refuse writes (an OOM error, and the
 * request that needed the write fails) rather than the kernel killing Redis
 * with everything since the last fsync;
 * /health warns well before that (REDIS_MEMORY_WARN_PERCENT).
 */
export function embeddedMaxMemoryBytes(machineBytes: number = totalmem()): number {
  return Math.max(EMBEDDED_MIN_MAXMEMORY_BYTES, Math.floor(machineBytes / 2 / MIB) * MIB);
}
