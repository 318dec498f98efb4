import { createHash } from 'node:crypto';
import type { RedisClient } from '../../redis/index.js';

/**
 * A Lua script run by its SHA-1 (EVALSHA) with a fallback to EVAL when the
 * server has not seen it yet (after a restart or a failover). Scripts run
 * atomically, which is what the monotonic tracking and the inbox claims rely
 * on; every key a script touches is passed in KEYS and shares the `{hash tag}`
 * so the script also runs on Redis Cluster.
 */
export interface LuaScript {
  run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

export function luaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
          return redis.eval(source, keys.length, ...keys, ...args);
        }
        throw error;
      }
    },
  };
}
