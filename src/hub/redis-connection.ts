import path from 'node:path';
import type { HubConfig } from '../config/index.js';
import { HubError } from '../errors.js';
import { asClusterWhenItIsOne, startEmbeddedRedis, type EmbeddedRedis, type RedisTarget } from '../redis/index.js';

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
 * The Redis a CLI command works on: the one the hub is configured with
 * (REDIS_URL, Sentinel or Cluster settings), never an embedded one of its own.
 */
export async function cliRedisTarget(config: HubConfig, command: string): Promise<RedisTarget> {
  const configured = configuredRedisTarget(config);
  if (!configured) throw new HubError('CONFIG_INVALID', `${command} works on the hub's Redis: set REDIS_URL, or REDIS_SENTINELS and REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES (and REDIS_KEY_PREFIX)`);
  return asClusterWhenItIsOne(configured);
}

/**
 * Where the hub's Redis is: the configured one, or else a private
 * redis-server under DATA_DIR/redis (the embedded default), stopped again
 * when the hub closes.
 */
export async function resolveRedisTarget(config: HubConfig): Promise<{ target: RedisTarget; embedded?: EmbeddedRedis }> {
  const configured = configuredRedisTarget(config);
  if (configured) return { target: await asClusterWhenItIsOne(configured) };
  const dataDir = path.resolve(config.DATA_DIR, 'redis');
  const embedded = await startEmbeddedRedis({
    dataDir,
    binary: config.REDIS_BINARY,
    unixSocket: fitsUnixSocketPath(dataDir),
    ...(config.REDIS_MAXMEMORY_MB !== undefined ? { maxMemoryBytes: config.REDIS_MAXMEMORY_MB * 1024 * 1024 } : {}),
  });
  return { target: { url: embedded.url }, embedded };
}

/**
 * The embedded Redis listens on a unix socket under its data folder when the
 * socket's path fits `sun_path` (108 bytes on Linux, 104 on macOS; unix(7)):
 * it is private to this user (mode 700) and, measured on the 2-core machine
 * the benchmarks run on, costs the hub less CPU per Redis round trip than TCP
 * loopback (about 53 against 63 us one at a time, 7 against 23 us with 16 in
 * flight). A deeper DATA_DIR falls back to TCP on 127.0.0.1.
 */
export function fitsUnixSocketPath(dataDir: string): boolean {
  return Buffer.byteLength(path.join(dataDir, 'redis.sock')) < 100;
}
