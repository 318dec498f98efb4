import type { RequestHandler } from 'express';
import type { Cluster, Redis } from 'ioredis';
import { HubError } from '../errors.js';
import { keyspace } from '../redis/index.js';
import { fixedWindowCounter } from './fixed-window.js';

export interface RateDecision {
  allowed: boolean;
  /** Requests counted in this window, this one included. */
  count: number;
  limit: number;
  remaining: number;
  /** Milliseconds until the current window ends. */
  resetMs: number;
  /** Length of a window. */
  windowMs: number;
}

export interface RateLimiter {
  /** Counts one request against `key` and says whether it is within the limit. */
  consume(key: string): Promise<RateDecision>;
}

/** Fixed window of `windowMs` per key, shared by every hub process through Redis (fixed-window.ts). */
export function createRedisRateLimiter(options: { redis: Redis | Cluster; keyPrefix: string; limit: number; windowMs?: number }): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(options.limit) || options.limit < 1) throw new TypeError('limit must be a positive integer');
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new TypeError('windowMs must be a positive integer');
  const key = keyspace(options.keyPrefix);
  const addInWindow = fixedWindowCounter(options.redis);
  return {
    async consume(subject) {
      const { total: count, ttlMs } = await addInWindow(key('ratelimit', subject), 1, windowMs);
      return { allowed: count <= options.limit, count, limit: options.limit, remaining: Math.max(0, options.limit - count), resetMs: ttlMs, windowMs };
    },
  };
}

/**
 * Per-agency limit, after identity (so the key is the authenticated agency,
 * never something the caller chose). Over the limit: 429 RATE_LIMITED with
 * Retry-After in whole seconds (RFC 9110 s.10.2.3, RFC 6585 s.4). If Redis
 * cannot count, the request is refused with 503: the hub cannot accept work
 * without Redis anyway.
 */
export function rateLimitMiddleware(limiter: RateLimiter, keyOf: (res: { locals: Record<string, unknown> }) => string): RequestHandler {
  return async (_req, res, next) => {
    let decision: RateDecision;
    try {
      decision = await limiter.consume(keyOf(res));
    } catch (error) {
      if (error instanceof HubError || error instanceof TypeError) throw error;
      throw new HubError('UNAVAILABLE', 'rate limiter unavailable');
    }
    res.setHeader('RateLimit-Limit', String(decision.limit));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    if (!decision.allowed) {
      const retryAfter = Math.max(1, Math.ceil(decision.resetMs / 1000));
      res.setHeader('Retry-After', String(retryAfter));
      throw new HubError('RATE_LIMITED', 'too many requests from this agency', { retryAfterSeconds: retryAfter });
    }
    next();
  };
}
