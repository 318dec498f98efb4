import { Queue } from 'bullmq';
import type { RedisClient } from '../../redis/index.js';
import { BACKOFF_TYPE } from './backoff.js';
import { bullPrefix } from './bullmq-prefix.js';
import { deliveryIdFor, jobIdFor, parseDeliveryJob, queueNameFor, type DeliveryJob, type DeliveryJobInput } from './delivery-job.js';

/**
 * The producer side: one BullMQ queue per recipient (see delivery-job.ts for
 * why), opened lazily. The job id is the message id, so the same delivery
 * enqueued twice (an intake retried after a crash) is one job.
 */

export interface DeliveryQueueOptions {
  /** A connection made with connectRedis({ forBlockingCommands: true }); owned by the caller. */
  connection: RedisClient;
  prefix: string;
  /** DELIVERY_ATTEMPTS */
  attempts: number;
  /** DELIVERY_BACKOFF_MS */
  backoffMs: number;
  keepFailedSeconds?: number;
}

export interface QueueDepth {
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
}

export interface DeliveryQueue {
  /** Resolves once the job is stored in Redis. Returns the delivery id. */
  enqueue(job: DeliveryJobInput): Promise<string>;
  /** Removes a finished job so the same delivery can be enqueued afresh (replay). */
  removeJob(recipientAgencyId: string, messageId: string): Promise<void>;
  depth(recipientAgencyId: string): Promise<QueueDepth>;
  /** Recipients this process has enqueued for. */
  recipients(): string[];
  close(): Promise<void>;
}

export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const queues = new Map<string, Queue>();
  let closing: Promise<void> | undefined;

  function queueFor(recipient: string): Queue {
    if (closing) throw new TypeError('delivery queue is closed');
    let queue = queues.get(recipient);
    if (!queue) {
      queue = new Queue(queueNameFor(recipient), {
        connection: options.connection,
        prefix: bullPrefix(options.prefix),
        defaultJobOptions: {
          attempts: options.attempts,
          backoff: { type: BACKOFF_TYPE, delay: options.backoffMs },
          // A delivered job is removed at once: keeping it would hold the sealed
          // envelope in Redis for nothing and make every completion trim a
          // growing set. A re-enqueue of a delivered message is stopped by the
          // tracking state the processor checks first (every delivery, notices
          // included, has one), not by the job id.
          removeOnComplete: true,
          removeOnFail: { age: options.keepFailedSeconds ?? 7 * 24 * 3600 },
        },
      });
      queue.on('error', () => undefined);
      queues.set(recipient, queue);
    }
    return queue;
  }

  return {
    async enqueue(input) {
      const job: DeliveryJob = parseDeliveryJob(input);
      await queueFor(job.recipientAgencyId).add(job.messageType, job, { jobId: jobIdFor(job.messageId) });
      return deliveryIdFor(job.messageId, job.recipientAgencyId);
    },

    async removeJob(recipient, messageId) {
      await queueFor(recipient).remove(jobIdFor(messageId));
    },

    async depth(recipient) {
      const counts = await queueFor(recipient).getJobCounts('waiting', 'delayed', 'active', 'failed');
      return { waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, active: counts.active ?? 0, failed: counts.failed ?? 0 };
    },

    recipients: () => [...queues.keys()],

    close() {
      closing ??= Promise.all([...queues.values()].map((queue) => queue.close())).then(() => undefined);
      return closing;
    },
  };
}
