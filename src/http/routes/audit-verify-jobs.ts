import { randomBytes } from 'node:crypto';
import { HubError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { keyspace, type RedisClient } from '../../redis/index.js';

/**
 * Full verification of the audit log as a background job a DPO starts from
 * the console and follows by polling. State lives in Redis (not in this
 * process) so any hub process behind a load balancer can answer the poll.
 * One job runs at a time across the hubs: a start while one runs joins the
 * running job, so the button cannot be used to load the hub. The job record
 * is written before the lock is taken, so a start racing another always
 * finds the job the lock names, never an empty lock it would take over.
 *
 * A job's result names entries (the first that fails), so it is readable
 * only by the DPOs who started or joined it, and by scheme DPOs; to anyone
 * else it answers like a job that does not exist.
 */

/** What src/audit verifyFullLog reports (FullVerifyReport), as far as this needs it. */
export interface FullVerifyOutcome {
  ok: boolean;
  treeSize: number;
  checkedEntries: number;
  problem?: { kind: string; seq?: number; id?: string; file?: string; index?: string; message: string };
}

export type FullVerifier = (onProgress: (checked: number, total: number) => void) => Promise<FullVerifyOutcome>;

export interface VerifyJob {
  id: string;
  state: 'running' | 'passed' | 'failed' | 'error';
  startedAt: string;
  finishedAt?: string;
  checked: number;
  total: number;
  /** The first entry that does not match (or what else failed), once finished. */
  problem?: FullVerifyOutcome['problem'];
}

/** Who asks for a job: the DPO's token subject, and whether they read for the whole scheme. */
export interface JobAsker {
  subject: string;
  scheme: boolean;
}

const JOB_TTL_SECONDS = 24 * 3600;
const LOCK_TTL_SECONDS = 3600;
const PROGRESS_EVERY_MS = 200;
const JOB_ID = /^vj_[0-9a-f]{24}$/;
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export function createVerifyJobs(deps: { redis: RedisClient; prefix: string; verifyFull: FullVerifier; logger?: Logger; now?: () => Date }) {
  const key = keyspace(deps.prefix);
  const jobKey = (id: string) => key('console', 'verify', id);
  const readersKey = (id: string) => key('console', 'verify', id, 'readers');
  const lockKey = key('console', 'verify', 'running');
  const now = deps.now ?? (() => new Date());

  async function write(job: VerifyJob): Promise<void> {
    await deps.redis.set(jobKey(job.id), JSON.stringify(job), 'EX', JOB_TTL_SECONDS);
  }

  async function read(id: string): Promise<VerifyJob | undefined> {
    const text = await deps.redis.get(jobKey(id));
    return text ? (JSON.parse(text) as VerifyJob) : undefined;
  }

  async function addReader(id: string, asker: JobAsker): Promise<void> {
    await deps.redis.multi().sadd(readersKey(id), asker.subject).expire(readersKey(id), JOB_TTL_SECONDS).exec();
  }

  /** Deletes the lock only while it still names `id` (a later job may hold it). */
  async function releaseLock(id: string): Promise<void> {
    await deps.redis.eval(RELEASE_IF_HELD, 1, lockKey, id);
  }

  async function get(id: string, asker: JobAsker): Promise<VerifyJob> {
    const missing = () => new HubError('NOT_FOUND', 'no such verification job');
    if (!JOB_ID.test(id)) throw missing();
    const job = await read(id);
    if (!job) throw missing();
    if (!asker.scheme && (await deps.redis.sismember(readersKey(id), asker.subject)) !== 1) throw missing();
    return job;
  }

  async function run(job: VerifyJob): Promise<void> {
    let lastWrite = 0;
    let pending: Promise<void> = Promise.resolve();
    const onProgress = (checked: number, total: number) => {
      job.checked = checked;
      job.total = total;
      const at = Date.now();
      if (at - lastWrite >= PROGRESS_EVERY_MS) {
        lastWrite = at;
        const snapshot = { ...job };
        pending = pending.then(() => write(snapshot)).catch(() => undefined);
      }
    };
    try {
      const outcome = await deps.verifyFull(onProgress);
      job.checked = outcome.checkedEntries;
      job.total = Math.max(job.total, outcome.treeSize);
      job.state = outcome.ok ? 'passed' : 'failed';
      if (outcome.problem) job.problem = outcome.problem;
    } catch (error) {
      job.state = 'error';
      job.problem = { kind: 'error', message: 'verification could not run to the end; see the hub log' };
      deps.logger?.error('audit verification job failed', { job: job.id, error: error instanceof Error ? error : new Error('non-error') });
    }
    job.finishedAt = now().toISOString();
    await pending;
    try {
      await write(job);
      await releaseLock(job.id);
    } catch (error) {
      // Nobody awaits a job (it runs after the 202); a Redis that went away meanwhile (the hub shutting
      // down) leaves the record to expire and the lock to its TTL, and says so once.
      deps.logger?.warn('audit verification job could not record its result', { job: job.id, state: job.state, error: error instanceof Error ? error : new Error('non-error') });
      return;
    }
    deps.logger?.info('audit verification job finished', { job: job.id, state: job.state, checked: job.checked });
  }

  return {
    /** Starts a job, or joins the one already running. `started` says which. */
    async start(asker: JobAsker): Promise<{ job: VerifyJob; started: boolean }> {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const runningId = await deps.redis.get(lockKey);
        if (runningId) {
          const running = await read(runningId);
          if (running) {
            await addReader(runningId, asker);
            return { job: running, started: false };
          }
          // The lock names a job that is gone (its record was removed): free it, then start afresh.
          await releaseLock(runningId);
        }
        const job: VerifyJob = { id: `vj_${randomBytes(12).toString('hex')}`, state: 'running', startedAt: now().toISOString(), checked: 0, total: 0 };
        await write(job);
        await addReader(job.id, asker);
        if ((await deps.redis.set(lockKey, job.id, 'EX', LOCK_TTL_SECONDS, 'NX')) === 'OK') {
          void run(job);
          return { job: { ...job }, started: true };
        }
        // Another start took the lock first: join that one instead.
        await deps.redis.del(jobKey(job.id), readersKey(job.id));
      }
      throw new HubError('UNAVAILABLE', 'a verification could not be started; try again shortly');
    },
    get,
  };
}

export type VerifyJobs = ReturnType<typeof createVerifyJobs>;
