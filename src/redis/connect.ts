import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  /** redis://, rediss:// or redis+unix:// */
  url?: string;
  /** host:port pairs of Sentinels, with the monitored master's name. */
  sentinels?: string[];
  sentinelName?: string;
  /** host:port pairs of Cluster seed nodes. */
  clusterNodes?: string[];
}

export interface ConnectOptions {
  /** Name shown in CLIENT LIST, to tell the hub's connections apart. */
  connectionName?: string;
  /**
   * BullMQ workers need `maxRetriesPerRequest: null` (blocking commands must
   * wait out a reconnect); ordinary commands should fail fast instead.
   */
  forBlockingCommands?: boolean;
}

/**
 * The one place the hub opens Redis connections, so URL, Sentinel and Cluster
 * set-ups behave the same everywhere. Callers own what they open and must
 * `quit()` it on shutdown.
 */
export function connectRedis(target: RedisTarget, options: ConnectOptions = {}): RedisClient {
  const common: RedisOptions = {
    connectionName: options.connectionName ?? 'isp-hub',
    maxRetriesPerRequest: options.forBlockingCommands ? null : 3,
    enableReadyCheck: true,
  };
  if (target.clusterNodes && target.clusterNodes.length > 0) {
    return new Cluster(target.clusterNodes.map(parseHostPort), { redisOptions: common });
  }
  if (target.sentinels && target.sentinels.length > 0) {
    if (!target.sentinelName) throw new TypeError('a Sentinel set-up needs the master name (REDIS_SENTINEL_NAME)');
    return new Redis({ ...common, sentinels: target.sentinels.map(parseHostPort), name: target.sentinelName });
  }
  if (!target.url) throw new TypeError('connectRedis needs a url, sentinels or cluster nodes');
  if (target.url.startsWith('redis+unix://')) return new Redis({ ...common, path: target.url.slice('redis+unix://'.length) });
  return new Redis(target.url, common);
}

/**
 * A REDIS_URL that names one node of a Redis Cluster is taken as that
 * Cluster's seed: a plain connection to it would fail with MOVED on every
 * key another node holds. Asks the node (INFO cluster) once.
 */
export async function asClusterWhenItIsOne(target: RedisTarget): Promise<RedisTarget> {
  if (!target.url || target.url.startsWith('redis+unix://') || target.clusterNodes?.length || target.sentinels?.length) return target;
  const probe = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 3000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    if (!/cluster_enabled:1/.test(await probe.info('cluster'))) return target;
    const url = new URL(target.url);
    return { clusterNodes: [`${url.hostname}:${url.port || '6379'}`] };
  } catch {
    // Unreachable now: connect as configured and let the usual retries and errors say so.
    return target;
  } finally {
    probe.disconnect();
  }
}

function parseHostPort(text: string): { host: string; port: number } {
  const separator = text.lastIndexOf(':');
  if (separator <= 0) return { host: text, port: 6379 };
  return { host: text.slice(0, separator), port: Number(text.slice(separator + 1)) };
}

/**
 * Key naming: every key starts with the configured `{hash tag}` so all the
 * hub's keys (and BullMQ's) share one Cluster slot and Lua scripts may touch
 * several of them (Redis Cluster spec, "Hash tags").
 */
export function keyspace(prefix: string): (...parts: string[]) => string {
  const base = prefix.endsWith(':') ? prefix : `${prefix}:`;
  return (...parts: string[]) => base + parts.join(':');
}
