import path from 'node:path';
import type { HubConfig } from '../config/index.js';
import { startEmbeddedRedis, type EmbeddedRedis, type RedisTarget } from '../redis/index.js';

/** The Redis the environment names (REDIS_CLUSTER_NODES, REDIS_SENTINELS or REDIS_URL), if any. */
export function configuredRedisTarget(config: HubConfig): RedisTarget | undefined {
  if (config.REDIS_CLUSTER_NODES?.length) return { clusterNodes: config.REDIS_CLUSTER_NODES };
  if (config.REDIS_SENTINELS?.length) {
    return { sentinels: config.REDIS_SENTINELS, ...(config.REDIS_SENTINEL_NAME ? { sentinelName: config.REDIS_SENTINEL_NAME } : {}) };
  }
  if (config.REDIS_URL) return { url: config.REDIS_URL };
  return undefined;
}

/**
 * Where the hub's Redis is: the configured one, or else a private
 * redis-server under DATA_DIR/redis (the embedded default), stopped again
 * when the hub closes.
 */
export async function resolveRedisTarget(config: HubConfig): Promise<{ target: RedisTarget; embedded?: EmbeddedRedis }> {
  const configured = configuredRedisTarget(config);
  if (configured) return { target: configured };
  const embedded = await startEmbeddedRedis({ dataDir: path.join(config.DATA_DIR, 'redis'), binary: config.REDIS_BINARY, unixSocket: false });
  return { target: { url: embedded.url }, embedded };
}
