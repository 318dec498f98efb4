import path from 'node:path';
import type { HubConfig } from '../config/index.js';
import { startEmbeddedRedis, type EmbeddedRedis, type RedisTarget } from '../redis/index.js';

/**
 * Where Redis is: REDIS_URL, Sentinels or Cluster nodes when configured;
 * otherwise a private redis-server under DATA_DIR/redis (the embedded
 * default), stopped again when the hub closes.
 */
export async function resolveRedisTarget(config: HubConfig): Promise<{ target: RedisTarget; embedded?: EmbeddedRedis }> {
  if (config.REDIS_CLUSTER_NODES?.length) return { target: { clusterNodes: config.REDIS_CLUSTER_NODES } };
  if (config.REDIS_SENTINELS?.length) {
    return { target: { sentinels: config.REDIS_SENTINELS, ...(config.REDIS_SENTINEL_NAME ? { sentinelName: config.REDIS_SENTINEL_NAME } : {}) } };
  }
  if (config.REDIS_URL) return { target: { url: config.REDIS_URL } };
  const embedded = await startEmbeddedRedis({ dataDir: path.join(config.DATA_DIR, 'redis'), binary: config.REDIS_BINARY, unixSocket: false });
  return { target: { url: embedded.url }, embedded };
}
