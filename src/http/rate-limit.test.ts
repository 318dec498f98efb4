import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { createRedisRateLimiter } from './rate-limit.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
});
afterAll(async () => {
  await redis?.stop();
});

describe('Redis fixed-window rate limiter', () => {
  it('allows the limit, refuses the rest, and opens a new window when the old one expires', async () => {
    const limiter = createRedisRateLimiter({ redis: redis.connect(), keyPrefix: redis.newPrefix(), limit: 2, windowMs: 300 });
    const first = await Promise.all([limiter.consume('agency:nv-yot'), limiter.consume('agency:nv-yot'), limiter.consume('agency:nv-yot')]);
    expect(first.map((decision) => decision.allowed).sort()).toEqual([false, true, true]);
    const refused = first.find((decision) => !decision.allowed);
    expect(refused?.remaining).toBe(0);
    expect(refused?.resetMs).toBeGreaterThan(0);
    expect(refused?.resetMs).toBeLessThanOrEqual(300);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await limiter.consume('agency:nv-yot')).allowed).toBe(true);
  });

  it('always leaves an expiry on the counter key, under the configured prefix', async () => {
    const client = redis.connect();
    const prefix = redis.newPrefix();
    const limiter = createRedisRateLimiter({ redis: client, keyPrefix: prefix, limit: 5, windowMs: 60_000 });
    await limiter.consume('agency:nv-police');
    const key = `${prefix}:ratelimit:agency:nv-police`;
    expect(await client.get(key)).toBe('1');
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('refuses nonsense limits as programming mistakes', () => {
    expect(() => createRedisRateLimiter({ redis: redis.connect(), keyPrefix: '{x}', limit: 0 })).toThrow(TypeError);
  });
});
