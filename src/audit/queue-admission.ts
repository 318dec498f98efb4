import { HubError } from '../errors.js';
import type { RedisClient } from '../redis/index.js';
import { luaScript } from '../routing/delivery/lua-script.js';
import type { AuditKeys } from './keys.js';

/**
 * Bounds the audit queue (AUDIT_QUEUE_MAX_BATCHES). With nobody integrating
 * (a sequencer that stalls while holding the lease, a log that cannot be
 * stored to) every front-end process would go on queueing batches, and the
 * stream would grow until Redis reached maxmemory; under `noeviction` Redis
 * then refuses every write, the audit log's own and the integration that
 * would drain the queue among them. A batch past the limit is refused
 * instead, before anything of its request is stored: the caller answers 503
 * and the sender retries the same bytes once the queue has drained.
 *
 * The length check and the XADD are one script, so processes queueing at
 * the same moment cannot together pass the limit.
 *
 * KEYS[1] audit:queue. ARGV[1] most batches the queue may hold, ARGV[2] the batch (QueuedBatch JSON).
 * Returns {1, stream id} when queued, {0, batches held} when refused.
 */
const ADMIT = luaScript(`
local held = redis.call('XLEN', KEYS[1])
if held >= tonumber(ARGV[1]) then return {0, held} end
return {1, redis.call('XADD', KEYS[1], '*', 'b', ARGV[2])}
`);

/** What a sender is told to wait: about what a new sequencer takes to pick up a queue whose holder went away. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 5;

/** Queues one batch, or refuses it (UNAVAILABLE, with what the queue held and may hold) when the queue is full. */
export async function admitBatch(redis: RedisClient, keys: AuditKeys, maxBatches: number, batch: string): Promise<string> {
  const [queued, value] = (await ADMIT.run(redis, [keys.queue], [maxBatches, batch])) as [number, string | number];
  if (queued === 1) return String(value);
  throw new HubError('UNAVAILABLE', 'the audit queue is full while the sequencer catches up; send the same bytes again later', {
    queuedBatches: Number(value),
    maxQueuedBatches: maxBatches,
    retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
  });
}
