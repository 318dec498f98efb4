import type { X509Certificate } from 'node:crypto';
import type { RequestHandler } from 'express';

export type HealthStatus = 'ok' | 'warn' | 'fail';
export interface HealthResult {
  status: HealthStatus;
  /** Safe facts for the operator: counts, ages, certificate names and dates. */
  detail?: Record<string, unknown>;
}
export interface HealthCheck {
  name: string;
  run(): Promise<HealthResult>;
}

/**
 * `/health`: runs every injected check (each with a time limit, so a hung
 * dependency cannot hang the probe) and answers 200 when none failed, 503
 * otherwise, with each check's status. A `warn` (e.g. a certificate expiring
 * within 30 days) keeps 200: the hub still works, but someone must act.
 */
export function healthHandler(checks: readonly HealthCheck[], options: { timeoutMs?: number } = {}): RequestHandler {
  const timeoutMs = options.timeoutMs ?? 2000;
  return async (_req, res) => {
    const results = await Promise.all(checks.map((check) => runWithTimeout(check, timeoutMs)));
    const failed = results.some((result) => result.status === 'fail');
    const body = {
      status: failed ? 'fail' : results.some((result) => result.status === 'warn') ? 'warn' : 'ok',
      checks: Object.fromEntries(checks.map((check, index) => [check.name, results[index]])),
    };
    res.status(failed ? 503 : 200).setHeader('Cache-Control', 'no-store').json(body);
  };
}

async function runWithTimeout(check: HealthCheck, timeoutMs: number): Promise<HealthResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'fail', detail: { error: 'timeout', timeoutMs } }), timeoutMs);
  });
  try {
    return await Promise.race([check.run(), timeout]);
  } catch (error) {
    // Name and code only: a driver's message can carry hosts or credentials.
    const code = (error as { code?: unknown }).code;
    return { status: 'fail', detail: { error: error instanceof Error ? error.name : 'error', ...(typeof code === 'string' ? { code } : {}) } };
  } finally {
    clearTimeout(timer);
  }
}

/** Redis answers PING. */
export function redisPingCheck(redis: { ping(): Promise<string> }): HealthCheck {
  return {
    name: 'redis',
    run: async () => ((await redis.ping()) === 'PONG' ? { status: 'ok' } : { status: 'fail', detail: { error: 'unexpected reply' } }),
  };
}

/**
 * Redis's memory against its bound: `warn` (still 200) from `warnPercent`,
 * so an operator can act before a full Redis (noeviction) starts refusing
 * the writes every request needs; `fail` once the bound is reached.
 */
export function redisMemoryCheck(read: () => Promise<{ usedBytes: number; limitBytes: number; maxmemorySet: boolean }>, warnPercent: number): HealthCheck {
  return {
    name: 'redis-memory',
    run: async () => {
      const { usedBytes, limitBytes, maxmemorySet } = await read();
      const usedPercent = limitBytes > 0 ? Math.round((usedBytes / limitBytes) * 1000) / 10 : 0;
      const status = usedPercent >= 100 ? 'fail' : usedPercent >= warnPercent ? 'warn' : 'ok';
      return { status, detail: { usedBytes, limitBytes, usedPercent, warnPercent, limit: maxmemorySet ? 'maxmemory' : 'machine' } };
    },
  };
}

/** At least `minimum` delivery workers are alive (0 is fine for an api-only process). */
export function workersCheck(countAlive: () => Promise<number>, minimum = 1): HealthCheck {
  return {
    name: 'workers',
    run: async () => {
      const alive = await countAlive();
      return { status: alive >= minimum ? 'ok' : 'fail', detail: { alive, minimum } };
    },
  };
}

/**
 * The audit log signed a checkpoint recently: a stalled checkpointer means
 * entries pile up unsigned. `null` means none yet (a fresh log): a warning.
 */
export function auditCheckpointCheck(lastCheckpointAt: () => Promise<Date | null>, maxAgeSeconds: number, now: () => Date = () => new Date()): HealthCheck {
  return {
    name: 'auditCheckpoint',
    run: async () => {
      const last = await lastCheckpointAt();
      if (last === null) return { status: 'warn', detail: { lastCheckpoint: null, maxAgeSeconds } };
      const ageSeconds = Math.max(0, Math.round((now().getTime() - last.getTime()) / 1000));
      return { status: ageSeconds <= maxAgeSeconds ? 'ok' : 'fail', detail: { ageSeconds, maxAgeSeconds } };
    },
  };
}

/**
 * The audit log still extends the last checkpoint it signed. Once it does
 * not (Redis rolled back or forked), the hub has stopped appending and
 * signing, and the probe fails until an operator recovers the log.
 */
export function auditConsistencyCheck(check: () => Promise<{ kind: string; signedSize: number; storedSize: number } | undefined>): HealthCheck {
  return {
    name: 'auditLog',
    run: async () => {
      const report = await check();
      return report ? { status: 'fail', detail: { halted: report.kind, signedSize: report.signedSize, storedSize: report.storedSize } } : { status: 'ok' };
    },
  };
}

/**
 * Certificates the hub depends on (its TLS and signing certificates, the CA,
 * agencies'): any within `warnDays` of its notAfter is a warning, any already
 * expired a failure.
 */
export function certificateExpiryCheck(
  certificates: () => Promise<ReadonlyArray<{ name: string; certificate: X509Certificate }>>,
  options: { warnDays?: number; now?: () => Date } = {},
): HealthCheck {
  const warnDays = options.warnDays ?? 30;
  const now = options.now ?? (() => new Date());
  return {
    name: 'certificates',
    run: async () => {
      const at = now().getTime();
      const expiring: Array<{ name: string; notAfter: string; daysLeft: number }> = [];
      let expired = false;
      for (const { name, certificate } of await certificates()) {
        const notAfter = new Date(certificate.validTo);
        const daysLeft = Math.floor((notAfter.getTime() - at) / 86_400_000);
        if (notAfter.getTime() <= at) expired = true;
        if (daysLeft < warnDays) expiring.push({ name, notAfter: notAfter.toISOString(), daysLeft });
      }
      return { status: expired ? 'fail' : expiring.length > 0 ? 'warn' : 'ok', detail: { warnDays, expiring } };
    },
  };
}
