import { createHmac } from 'node:crypto';
import { HubError } from '../errors.js';
import { isRedisFailure, keyspace, redisFailureLine, type RedisClient } from '../redis/index.js';
import type { HubSecrets } from './local-secrets.js';

/**
 * Hubs on one Redis share one audit log and one flag register, so they must
 * hold the same subject-key secret (the same identifier must give the same
 * pseudonymous key in every hub's entries) and the same flag key (a flag one
 * hub sealed must open in another). A hub whose DATA_DIR generated secrets
 * of its own would otherwise answer flag queries with nothing and file
 * entries no search finds. The first hub stores a check value per secret in
 * Redis; every later one compares and refuses to start on a mismatch.
 *
 * The check value is HMAC-SHA256 of a fixed label under the secret: it tells
 * whether two secrets are equal and nothing else about them.
 */
const LABELS = {
  subjectKeySecret: 'isp-hub check: SUBJECT_KEY_SECRET',
  flagEncryptionKey: 'isp-hub check: FLAG_ENCRYPTION_KEY',
} as const;
const SETTINGS = { subjectKeySecret: 'SUBJECT_KEY_SECRET', flagEncryptionKey: 'FLAG_ENCRYPTION_KEY' } as const;

// KEYS[1] the check hash. ARGV: field, value pairs. Stores each missing field; returns every stored value.
const STORE_OR_READ = `
for i = 1, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
local stored = {}
for i = 1, #ARGV, 2 do stored[#stored + 1] = redis.call('HGET', KEYS[1], ARGV[i]) end
return stored
`;

export function secretCheckValue(secret: Buffer, label: string): string {
  return createHmac('sha256', secret).update(label).digest('base64url');
}

/**
 * Stores the check values if none are there yet, else compares; throws
 * CONFIG_INVALID naming the setting that differs. This is the hub's first
 * write at start, so a Redis that refuses writes (a replica named as
 * REDIS_URL, min-replicas-to-write unmet) is reported here in one line.
 */
export async function assertSecretsShared(redis: RedisClient, prefix: string, secrets: HubSecrets): Promise<void> {
  const names = Object.keys(LABELS) as Array<keyof typeof LABELS>;
  const mine = names.map((name) => secretCheckValue(secrets[name], LABELS[name]));
  let stored: string[];
  try {
    stored = (await redis.eval(STORE_OR_READ, 1, keyspace(prefix)('secrets', 'check'), ...names.flatMap((name, position) => [name, mine[position] as string]))) as string[];
  } catch (error) {
    if (!isRedisFailure(error)) throw error;
    throw new HubError('UNAVAILABLE', `Redis refused the hub's first write at start (${redisFailureLine(error)}): point the hub at the primary (REDIS_URL, or REDIS_SENTINELS and REDIS_SENTINEL_NAME) and check that it accepts writes`);
  }
  const differing = names.filter((_, position) => stored[position] !== mine[position]).map((name) => SETTINGS[name]);
  if (differing.length > 0) {
    throw new HubError(
      'CONFIG_INVALID',
      `${differing.join(' and ')} differ from the one the other hubs on this Redis (REDIS_KEY_PREFIX ${prefix}) use: give every hub the same value (set it in the environment rather than letting each DATA_DIR generate its own)`,
      { settings: differing },
    );
  }
}
