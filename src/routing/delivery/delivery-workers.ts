import { Worker } from 'bullmq';
import type { RedisClient } from '../../redis/index.js';
import { jitteredBackoff, type BackoffSettings } from './backoff.js';
import { bullPrefix } from './bullmq-prefix.js';
import { queueNameFor } from './delivery-job.js';
import type { DeliveryProcessor } from './delivery-processor.js';

/**
 * The consumer side: one BullMQ worker per recipient queue, each with its own
 * concurrency, so a recipient that hangs until the timeout or refuses every
 * connection only ever occupies its own slots (one slow or
 * dead recipient never delays the others).
 */

export interface DeliveryWorkersOptions {
  /** A connection made with connectRedis({ forBlockingCommands: true }); owned by the caller. */
  connection: RedisClient;
  prefix: string;
  /** The recipients to serve (from the registry). */
  recipients: readonly string[];
  processor: DeliveryProcessor;
  /** DELIVERY_CONCURRENCY: deliveries in flight per recipient in this process. */
  concurrency: number;
  backoff: BackoffSettings;
  /** How long close() waits for deliveries in flight before `onCloseTimeout`. */
  closeTimeoutMs?: number;
  /** Called when the wait runs out; the composition aborts pushes in flight. */
  onCloseTimeout?: () => void;
  /** BullMQ lock settings; a job whose worker died is run again after about `lockDurationMs`. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  onError?: (error: Error) => void;
}

export interface DeliveryWorkers {
  readonly recipients: readonly string[];
  /** True while every worker is running (for /health). */
  isRunning(): boolean;
  /** Waits for deliveries in flight up to the time limit, then stops. Idempotent. */
  close(): Promise<void>;
}

const UNLIMITED_STALLS = 1_000_000;

export function createDeliveryWorkers(options: DeliveryWorkersOptions): DeliveryWorkers {
  const workers = options.recipients.map((recipient) => {
    const worker = new Worker(
      queueNameFor(recipient),
      async (job) =>
        options.processor(job.data, {
          attemptsMade: job.attemptsMade,
          attemptsStarted: job.attemptsStarted,
          maxAttempts: job.opts.attempts ?? 1,
          maxStalls: options.maxStalledCount ?? 3,
        }),
      {
        connection: options.connection,
        prefix: bullPrefix(options.prefix),
        concurrency: options.concurrency,
        settings: { backoffStrategy: (attemptsMade: number) => jitteredBackoff(attemptsMade, options.backoff) },
        ...(options.lockDurationMs !== undefined ? { lockDuration: options.lockDurationMs } : {}),
        ...(options.stalledIntervalMs !== undefined ? { stalledInterval: options.stalledIntervalMs } : {}),
        // BullMQ would fail a job stalled more often than this without running
        // the processor (no dead letter): the processor applies the limit instead.
        maxStalledCount: UNLIMITED_STALLS,
      },
    );
    // An 'error' event without a listener would throw; failed attempts are
    // already counted by the processor, so only connection trouble lands here.
    worker.on('error', (error) => options.onError?.(error));
    return worker;
  });
  let closing: Promise<void> | undefined;

  async function closeAll(): Promise<void> {
    const graceful = Promise.all(workers.map((worker) => worker.close())).then(() => undefined);
    const limit = options.closeTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      graceful.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), limit);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      options.onCloseTimeout?.();
      await graceful;
    }
  }

  return {
    recipients: [...options.recipients],
    isRunning: () => workers.every((worker) => worker.isRunning()),
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
