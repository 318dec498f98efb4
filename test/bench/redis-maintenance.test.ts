import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMaintenance } from '../../bench/redis-maintenance.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** The benchmarks' Redis housekeeping (bench/redis-maintenance.ts) against a real redis-server with AOF on. */
describe('bench Redis maintenance', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis({ appendOnly: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('rewrites the AOF and returns only once Redis is at rest, counting the fork', async () => {
    const client = redis.connect();
    await client.set(`${redis.newPrefix()}:k`, 'x'.repeat(1000));
    const maintenance = redisMaintenance(client);
    const before = await maintenance.forks();
    const settled = await maintenance.settle();
    expect(settled).toBeGreaterThan(before);
    const persistence = await client.info('persistence');
    expect(persistence).toMatch(/^aof_rewrite_in_progress:0/m);
    expect(persistence).toMatch(/^aof_rewrite_scheduled:0/m);
    expect(persistence).toMatch(/^aof_last_bgrewrite_status:ok/m);
    expect(await maintenance.atRest()).toEqual({ forks: settled, latestForkUsec: expect.any(Number) });
  });
});
