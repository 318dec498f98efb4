import type { RedisClient } from '../redis/index.js';
import type { AuditKeys } from './keys.js';

/**
 * A sequencer that cannot integrate queued batches for good (its log no
 * longer extends the last signed checkpoint) tells their processes so at
 * once, as it tells them where integrated batches went (append-queue.ts):
 * the same notice on their channel and under the placement key. Without it
 * they would wait out their time-out and report the wrong reason.
 *
 * One script, fenced like append.lua: only the lease holder decides about
 * queued batches, and only a batch still queued is refused (one another
 * sequencer integrated keeps its placement). A refused batch leaves the
 * queue, so no later sequencer stores entries their callers were told failed.
 *
 * KEYS[1] audit:sequencer, KEYS[2] audit:queue, KEYS[3 ..] the placement keys
 * ARGV[1] the caller's lease token, ARGV[2] seconds a placement is kept,
 * then per batch: its stream id, the notice (JSON), its process's channel
 */
const REFUSE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for j = 1, #KEYS - 2 do
  local at = 3 + 3 * (j - 1)
  local id = ARGV[at]
  if #redis.call('XRANGE', KEYS[2], id, id) == 1 then
    redis.call('XDEL', KEYS[2], id)
    redis.call('SET', KEYS[2 + j], ARGV[at + 1], 'EX', tonumber(ARGV[2]))
    redis.call('PUBLISH', ARGV[at + 2], ARGV[at + 1])
  end
end
return 1`;

/** Why a queued batch was refused whole: the error its appends fail with in their process. */
export interface Refusal {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface RefusedBatch {
  streamId: string;
  channel: string;
}

export async function refuseQueuedBatches(
  redis: RedisClient,
  keys: AuditKeys,
  token: string,
  batches: readonly RefusedBatch[],
  refusal: Refusal,
  placedSeconds: number,
): Promise<void> {
  if (batches.length === 0) return;
  await redis.eval(
    REFUSE_SCRIPT,
    2 + batches.length,
    keys.sequencer,
    keys.queue,
    ...batches.map((batch) => keys.placed(batch.streamId)),
    token,
    placedSeconds,
    ...batches.flatMap((batch) => [batch.streamId, JSON.stringify({ s: batch.streamId, g: [], x: refusal }), batch.channel]),
  );
}
