import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createVerifyJobs, type FullVerifyOutcome } from './audit-verify-jobs.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
});
afterAll(async () => {
  await redis?.stop();
});

/** A verifier that runs until the test lets it finish, counting how often it was started. */
function heldVerifier() {
  let release: (outcome: FullVerifyOutcome) => void = () => undefined;
  const finished = new Promise<FullVerifyOutcome>((resolve) => (release = resolve));
  const calls = { count: 0 };
  return {
    calls,
    finish: () => release({ ok: false, treeSize: 10, checkedEntries: 4, problem: { kind: 'leaf', seq: 3, message: 'leaf 3 does not match' } }),
    verifyFull: async () => {
      calls.count += 1;
      return finished;
    },
  };
}

const housingDpo = { subject: 'nv-housing/sam-testofficer', scheme: false };
const policeDpo = { subject: 'nv-police/robin-testofficer', scheme: false };
const schemeDpo = { subject: 'nv-police/casey-testauditor', scheme: true };

async function settled(read: () => Promise<{ state: string }>): Promise<{ state: string }> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const job = await read();
    if (job.state !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the job did not finish');
}

describe('verification jobs', () => {
  it('runs one verification for thirty starts at once across hub processes: every asker joins the same job', async () => {
    const verifier = heldVerifier();
    const prefix = redis.newPrefix();
    // One connection each, as thirty hub processes behind a load balancer would have.
    const hubs = Array.from({ length: 30 }, () => createVerifyJobs({ redis: redis.connect(), prefix, verifyFull: verifier.verifyFull }));
    const jobs = hubs[0]!;
    const askers = Array.from({ length: 30 }, (_, index) => ({ subject: `nv-yot/dpo-${index}`, scheme: false }));
    const answers = await Promise.all(askers.map((asker, index) => hubs[index]!.start(asker)));
    expect(new Set(answers.map((answer) => answer.job.id)).size).toBe(1);
    expect(answers.filter((answer) => answer.started)).toHaveLength(1);
    expect(verifier.calls.count).toBe(1);
    verifier.finish();
    const id = answers[0]!.job.id;
    // Each asker may read the shared result.
    for (const asker of askers.slice(0, 3)) await expect(settled(() => jobs.get(id, asker))).resolves.toMatchObject({ state: 'failed' });
  });

  it('shows a result only to the DPOs who started or joined it, and to scheme DPOs; to others it does not exist', async () => {
    const verifier = heldVerifier();
    const jobs = createVerifyJobs({ redis: redis.connect(), prefix: redis.newPrefix(), verifyFull: verifier.verifyFull });
    const { job } = await jobs.start(housingDpo);
    verifier.finish();
    await settled(() => jobs.get(job.id, housingDpo));
    await expect(jobs.get(job.id, policeDpo)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(jobs.get(job.id, schemeDpo)).resolves.toMatchObject({ id: job.id, state: 'failed', problem: { seq: 3 } });
    await expect(jobs.get('vj_000000000000000000000000', schemeDpo)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('starts afresh once the running job is gone, rather than joining nothing', async () => {
    const client = redis.connect();
    const prefix = redis.newPrefix();
    const first = heldVerifier();
    const jobs = createVerifyJobs({ redis: client, prefix, verifyFull: first.verifyFull });
    const { job } = await jobs.start(housingDpo);
    const [record] = await client.keys(`${prefix}*console:verify:${job.id}`);
    await client.del(record as string);
    const again = await jobs.start(policeDpo);
    expect(again.started).toBe(true);
    expect(again.job.id).not.toBe(job.id);
    first.finish();
    // Both runs write their outcome; let them finish before Redis stops.
    await settled(() => jobs.get(again.job.id, policeDpo));
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
