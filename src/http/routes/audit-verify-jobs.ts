import { randomBytes } from 'node:crypto';
import { HubError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { keyspace, type RedisClient } from '../../redis/index.js';

/**
 * Full verification of the audit log as a background job a DPO starts from
 * the console and follows by polling. State lives in Redis (not in this
 * process) so any hub process behind a load balancer can answer the poll.
 * One job runs at a time across the hubs: a second start while one runs gets
 * the running job, so the button cannot be used to load the hub.
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

const JOB_TTL_SECONDS = 24 * 3600;
const LOCK_TTL_SECONDS = 3600;
const PROGRESS_EVERY_MS = 200;
const JOB_ID = /^vj_[0-9a-f]{24}$/;

export function createVerifyJobs(deps: { redis: RedisClient; prefix: string; verifyFull: FullVerifier; logger?: Logger; now?: () => Date }) {
  const key = keyspace(deps.prefix);
  const jobKey = (id: string) => key('console', 'verify', id);
  const lockKey = key('console', 'verify', 'running');
  const now = deps.now ?? (() => new Date());

  async function write(job: VerifyJob): Promise<void> {
    await deps.redis.set(jobKey(job.id), JSON.stringify(job), 'EX', JOB_TTL_SECONDS);
  }

  async function get(id: string): Promise<VerifyJob> {
    if (!JOB_ID.test(id)) throw new HubError('NOT_FOUND', 'no such verification job');
    const text = await deps.redis.get(jobKey(id));
    if (!text) throw new HubError('NOT_FOUND', 'no such verification job');
    return JSON.parse(text) as VerifyJob;
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
    await write(job);
    await deps.redis.del(lockKey);
    deps.logger?.info('audit verification job finished', { job: job.id, state: job.state, checked: job.checked });
  }

  return {
    /** Starts a job, or returns the one already running. `started` says which. */
    async start(): Promise<{ job: VerifyJob; started: boolean }> {
      const id = `vj_${randomBytes(12).toString('hex')}`;
      const taken = await deps.redis.set(lockKey, id, 'EX', LOCK_TTL_SECONDS, 'NX');
      if (taken !== 'OK') {
        const running = await deps.redis.get(lockKey);
        if (running) {
          try {
            return { job: await get(running), started: false };
          } catch {
            // The lock outlived its job (a hub stopped mid-run): take it over.
          }
        }
        await deps.redis.set(lockKey, id, 'EX', LOCK_TTL_SECONDS);
      }
      const job: VerifyJob = { id, state: 'running', startedAt: now().toISOString(), checked: 0, total: 0 };
      await write(job);
      void run(job);
      return { job: { ...job }, started: true };
    },
    get,
  };
}

export type VerifyJobs = ReturnType<typeof createVerifyJobs>;
