import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startEmbeddedRedis } from '../../src/redis/index.js';
import { runIspHub } from '../support/cli.js';
import { auditEntries, example } from '../support/e2e.js';
import { copyPolicies, exampleSchemeEnv, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, whileRedisRefuses, type TestRedis } from '../support/redis.js';

/**
 * Hubs that share one Redis: they must hold the same secrets, a Redis
 * failure in the middle of a request is 503 (never 500), and the sender's
 * retry of that message writes its collection and disclosure entries once.
 */
let redis: TestRedis;
let admin: Redis;
let hub: TestHub;
const env = { SUBJECT_KEY_SECRET: randomBytes(32).toString('hex'), FLAG_ENCRYPTION_KEY: randomBytes(32).toString('hex') };

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  admin = redis.connect();
  hub = await startTestHub(redis, { env });
}, 60_000);
afterAll(async () => {
  await admin.call('ACL', 'SETUSER', 'default', '+@all');
  await hub?.stop();
  await redis.stop();
});

describe('hubs on one Redis', () => {
  it('refuses to start a hub whose subject-key secret differs from the others on this Redis', async () => {
    const other = startTestHub(redis, { prefix: hub.prefix, policyDir: hub.policyDir, env: { ...env, SUBJECT_KEY_SECRET: randomBytes(32).toString('hex') } });
    await expect(other).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { settings: ['SUBJECT_KEY_SECRET'] } });
    // The same secrets start fine.
    const same = await startTestHub(redis, { prefix: hub.prefix, policyDir: hub.policyDir, env });
    await same.stop();
  }, 60_000);

  it('answers 503 for a Redis failure after the rate limiter, and the retry writes the message\'s entries once', async () => {
    const police = await hub.client('nv-police');
    const { jwe } = await police.sealForHub(await example('arrest-notification'), `redis-refusal-${randomBytes(4).toString('hex')}`);
    // Delivery jobs (BullMQ) need XADD; the audit entries, taken before, do not: the failure comes after them.
    const refused = await whileRedisRefuses(admin, 'xadd', () => police.request('POST', '/v1/messages', jwe));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ error: { code: 'UNAVAILABLE' } });

    const accepted = await police.request('POST', '/v1/messages', jwe);
    expect(accepted.status).toBe(202);
    const { id } = JSON.parse(accepted.body.toString('utf8')) as { id: string };
    const entries = (await auditEntries(hub)).filter((entry) => entry.messageId === id);
    expect(entries.filter((entry) => entry.event === 'collection')).toHaveLength(1);
    expect(entries.filter((entry) => entry.event === 'disclosure').length).toBeGreaterThan(0);
    const disclosures = entries.filter((entry) => entry.event === 'disclosure').map((entry) => entry.recipients.join());
    expect(new Set(disclosures).size).toBe(disclosures.length);
  }, 60_000);

  it('says in one line that Redis refuses writes when a hub starts against a primary that does', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-readonly-'));
    const refusing = await startEmbeddedRedis({ dataDir: path.join(dataDir, 'redis'), port: await findFreePort(), extraArgs: ['--min-replicas-to-write', '1'] });
    try {
      const result = await runIspHub(['start'], {
        cwd: dataDir,
        env: { ...exampleSchemeEnv(dataDir, await copyPolicies(dataDir, {})), NODE_ENV: 'test', PORT: '0', REDIS_URL: refusing.url, REDIS_KEY_PREFIX: '{refusing}', ...env },
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('isp-hub: UNAVAILABLE: Redis refused');
      expect(result.stderr).toContain('NOREPLICAS');
      expect(result.stderr).not.toContain('redis.call');
    } finally {
      await refusing.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
