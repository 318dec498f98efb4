import type { Cluster, Redis } from 'ioredis';
import { HubError } from '../errors.js';
import { keyspace } from '../redis/index.js';
import { fixedWindowCounter } from './fixed-window.js';

/**
 * How many bytes of envelopes one agency may send per window
 * (SEND_MB_PER_MINUTE), counted in Redis and shared by every hub process.
 * The request limit alone (RATE_LIMIT_PER_MINUTE) lets an agency send its
 * count of 256 KiB envelopes, which is gigabytes an hour into a Redis that
 * holds deliveries for days; the bytes are what fill it.
 */
export interface ByteBudget {
  /** Counts `bytes` against `agencyId`; SEND_BUDGET_EXCEEDED (429, Retry-After) once the window's budget is spent. */
  spend(agencyId: string, bytes: number): Promise<void>;
}

export function createRedisByteBudget(options: { redis: Redis | Cluster; keyPrefix: string; maxBytes: number; windowMs?: number }): ByteBudget {
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(options.maxBytes) || options.maxBytes < 1) throw new TypeError('maxBytes must be a positive integer');
  const key = keyspace(options.keyPrefix);
  const addInWindow = fixedWindowCounter(options.redis);
  return {
    async spend(agencyId, bytes) {
      const { total, ttlMs } = await addInWindow(key('send-bytes', agencyId), bytes, windowMs);
      if (total <= options.maxBytes) return;
      const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
      throw new HubError('SEND_BUDGET_EXCEEDED', 'this agency has sent more bytes than its budget for now; try again later', {
        maxBytes: options.maxBytes,
        windowSeconds: Math.round(windowMs / 1000),
        retryAfterSeconds,
      });
    },
  };
}
