import { parseDeliveryJob, type DeliveryJob } from './delivery-job.js';
import type { DeadLetterStore } from './dead-letter-store.js';
import type { InboxStore } from './inbox-store.js';
import type { AuditSink, Clock, DeliveryLog, DeliveryMetrics } from './ports.js';
import { systemClock } from './ports.js';
import type { PushClient } from './push-client.js';
import type { TrackingStore } from './tracking-store.js';

/**
 * What a worker does with one delivery job, free of BullMQ so it reads as the
 * delivery steps of docs/architecture.md:
 *
 *   push: POST the envelope; 2xx is delivered (audit, tracking, metrics);
 *         anything else throws so the queue retries with backoff, and the
 *         last attempt leaves a dead letter, an audit entry and an
 *         `undeliverable` report for the sender.
 *   pull: hold the envelope in the recipient's inbox.
 *
 * Delivery is at least once: a job re-run after a crash may POST again, with
 * the same `isp-message-id` and `isp-redelivery: true`, so the recipient can
 * drop the duplicate.
 */

export interface AttemptInfo {
  /** Failed attempts so far (BullMQ `attemptsMade`). */
  attemptsMade: number;
  /** Times the job became active, including re-runs after a stall (BullMQ `attemptsStarted`). */
  attemptsStarted: number;
  /** DELIVERY_ATTEMPTS for this job. */
  maxAttempts: number;
  /**
   * Re-runs after a stall (its worker died or lost the lock) allowed before
   * the job is dead-lettered here. The limit is kept in the processor, not
   * BullMQ's `maxStalledCount`: BullMQ fails such a job without running the
   * processor, which would leave no dead letter and tracking at `queued`
   * (a silent loss).
   */
  maxStalls?: number;
}

export type ProcessOutcome = 'delivered' | 'held-in-inbox' | 'already-settled' | 'dead-lettered';

/** Thrown to make the queue retry; the message is a short outcome code, never record data. */
export class DeliveryAttemptFailed extends Error {
  constructor(readonly outcome: string, readonly finalAttempt: boolean) {
    super(`delivery attempt failed: ${outcome}`);
    this.name = 'DeliveryAttemptFailed';
  }
}

export interface DeliveryProcessorOptions {
  push: PushClient;
  inbox: InboxStore;
  tracking: TrackingStore;
  deadLetters: DeadLetterStore;
  audit: AuditSink;
  /** INBOX_TTL_SECONDS */
  inboxTtlSeconds: number;
  metrics?: DeliveryMetrics;
  /** Where a failed push is logged at warn, with the recipient agency and the failure code. */
  logger?: DeliveryLog;
  clock?: Clock;
  /**
   * Resolves once what Redis holds now (this job's disclosure entry, written
   * before the job) has reached the configured replicas; throws otherwise,
   * and the job runs again later. Nothing leaves before its audit entry is
   * durable, also across a failover to a replica.
   */
  beforeHandOver?: () => Promise<void>;
}

export type DeliveryProcessor = (data: unknown, attempt: AttemptInfo) => Promise<ProcessOutcome>;

export const MESSAGE_ID_HEADER = 'isp-message-id';
export const REDELIVERY_HEADER = 'isp-redelivery';

/**
 * States in which a job has nothing left to do. `undeliverable` is here too:
 * only an operator's replay sends a dead letter again, and it reopens the
 * tracking to `queued` before it enqueues.
 */
const SETTLED = new Set(['delivered', 'collected', 'acknowledged', 'undeliverable', 'denied']);

export function createDeliveryProcessor(options: DeliveryProcessorOptions): DeliveryProcessor {
  const { push, inbox, tracking, deadLetters, audit, metrics, logger } = options;
  const clock = options.clock ?? systemClock;

  async function deadLetter(job: DeliveryJob, attempt: AttemptInfo, outcome: string): Promise<void> {
    const attempts = attempt.attemptsMade + 1;
    const reason = `Delivery to the recipient's endpoint failed ${attempts} times (last: ${outcome}); kept as a dead letter for replay.`;
    await deadLetters.add({ job, failedAt: clock(), attempts, lastOutcome: outcome });
    await audit.append({
      event: 'delivery-failed',
      agency: 'hub',
      messageId: job.messageId,
      messageType: job.messageType,
      recipients: [job.recipientAgencyId],
      outcome,
      reason,
    });
    await tracking.transition(job.messageId, job.recipientAgencyId, 'undeliverable', reason);
    metrics?.deadLettered?.(job.recipientAgencyId);
  }

  return async (data, attempt) => {
    const job = parseDeliveryJob(data);
    // A job enqueued again after it completed (an intake retried after a
    // crash, once BullMQ had removed the finished job) must not deliver twice.
    const state = await tracking.stateOf(job.messageId, job.recipientAgencyId);
    if (state !== undefined && SETTLED.has(state)) return 'already-settled';
    // Starts that ended neither in success nor in a counted failure: the
    // worker died (kill -9, OOM) or lost its lock mid-job.
    const stalls = attempt.attemptsStarted - attempt.attemptsMade - 1;
    if (attempt.maxStalls !== undefined && stalls > attempt.maxStalls) {
      await deadLetter(job, attempt, 'worker-stalled');
      return 'dead-lettered';
    }
    await options.beforeHandOver?.();

    if (job.mode === 'pull') {
      await inbox.put({
        agencyId: job.recipientAgencyId,
        messageId: job.messageId,
        sender: job.sender,
        messageType: job.messageType,
        jwe: job.jwe,
        receivedAt: clock(),
        expiresAt: clock() + options.inboxTtlSeconds * 1000,
      });
      return 'held-in-inbox';
    }

    const redelivery = attempt.attemptsMade > 0 || attempt.attemptsStarted > 1 || job.replays > 0;
    const headers: Record<string, string> = {
      'content-type': 'application/jose',
      [MESSAGE_ID_HEADER]: job.messageId,
      ...(redelivery ? { [REDELIVERY_HEADER]: 'true' } : {}),
    };
    const result = await push.post(job.url as string, job.jwe, headers, job.recipientAgencyId);
    // Counted before the outcome is acted on, so the sender's tracking shows every attempt made.
    await tracking.recordAttempt(job.messageId, job.recipientAgencyId, result.ok ? undefined : result.outcome);
    if (result.ok) {
      await audit.append({
        event: 'delivered',
        agency: 'hub',
        messageId: job.messageId,
        messageType: job.messageType,
        recipients: [job.recipientAgencyId],
        outcome: 'delivered',
      });
      await tracking.transition(job.messageId, job.recipientAgencyId, 'delivered');
      metrics?.delivered?.(job.recipientAgencyId, clock() - job.enqueuedAt, attempt.attemptsMade + 1);
      return 'delivered';
    }

    metrics?.attemptFailed?.(job.recipientAgencyId, result.outcome);
    const finalAttempt = attempt.attemptsMade + 1 >= attempt.maxAttempts;
    logger?.warn('push delivery failed', {
      agency: job.recipientAgencyId,
      code: result.outcome,
      messageId: job.messageId,
      attempt: attempt.attemptsMade + 1,
      maxAttempts: attempt.maxAttempts,
      ...(finalAttempt ? { deadLettered: true } : {}),
    });
    // The dead letter is written inside the job (not in a 'failed' event
    // handler) so a crash right after the last attempt cannot lose it.
    if (finalAttempt) await deadLetter(job, attempt, result.outcome);
    throw new DeliveryAttemptFailed(result.outcome, finalAttempt);
  };
}

