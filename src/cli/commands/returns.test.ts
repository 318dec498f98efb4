import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIspHub } from '../../../test/support/cli.js';
import { auditEntries, example } from '../../../test/support/e2e.js';
import { startTestHub, type TestHub } from '../../../test/support/hub.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';

describe('isp-hub returns', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let env: NodeJS.ProcessEnv;
  const period = `${new Date().getUTCFullYear()}-Q${Math.floor(new Date().getUTCMonth() / 3) + 1}`;

  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
    const probation = await hub.client('nv-probation');
    await probation.send(await example('ppo-status-change'));
    env = { ...process.env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: hub.prefix, POLICY_DIR: hub.policyDir, DATA_DIR: hub.dataDir };
  });
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  it('writes the return as CSV to a file and audits the compilation with the operator', async () => {
    const out = path.join(hub.dataDir, 'return.csv');
    const result = await runIspHub(['returns', '--period', period, '--format', 'csv', '--out', out, '--operator', 'ops.lee'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const csv = await readFile(out, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('measure_id,measure,breakdown,unit,value,note');
    expect(csv).toContain('cohort-status.people,Cohort at the end of the period: People in the cohort,all,people,<5,fewer than 5');
    const entry = (await auditEntries(hub)).find((candidate) => candidate.outcome === 'return-compiled');
    expect(entry).toMatchObject({ agency: 'hub', actor: { id: 'ops.lee', role: 'operator' }, event: 'consultation' });
  });

  it('prints JSON by default, the same bytes each time over the same ledger', async () => {
    const first = await runIspHub(['returns', '--period', period], { env });
    const second = await runIspHub(['returns', '--period', period], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    expect(JSON.parse(first.stdout)).toMatchObject({ period: { id: period }, ledgerPosition: 1 });
  });

  it('refuses a malformed period with its code', async () => {
    const result = await runIspHub(['returns', '--period', '2026-13'], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PERIOD_INVALID');
  });
});
