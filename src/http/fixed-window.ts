import type { Cluster, Redis } from 'ioredis';

/**
 * A counter that lives for one fixed window, in Redis so every hub process
 * shares it. INCRBY and PEXPIRE run in one Lua script, so a crash between
 * them can never leave a counter without expiry (which would lock an agency
 * out for good).
 */
const ADD_IN_WINDOW = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { total, ttl }
`;

type ScriptedRedis = (Redis | Cluster) & { ispHubAddInWindow(key: string, amount: number, windowMs: number): Promise<[number, number]> };

/** Adds `amount` to `key`'s count for the window it is in: the new total, and milliseconds until the window ends. */
export type AddInWindow = (key: string, amount: number, windowMs: number) => Promise<{ total: number; ttlMs: number }>;

export function fixedWindowCounter(client: Redis | Cluster): AddInWindow {
  const redis = client as ScriptedRedis;
  // defineCommand sends EVALSHA and falls back to EVAL once per connection.
  if (typeof redis.ispHubAddInWindow !== 'function') redis.defineCommand('ispHubAddInWindow', { numberOfKeys: 1, lua: ADD_IN_WINDOW });
  return async (key, amount, windowMs) => {
    const [total, ttlMs] = await redis.ispHubAddInWindow(key, amount, windowMs);
    return { total, ttlMs };
  };
}
