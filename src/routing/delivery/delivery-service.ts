import { HubError } from '../../errors.js';
import { parseDeliveryId } from './delivery-job.js';
import type { DeadLetter, DeadLetterStore } from './dead-letter-store.js';
import { assertInboxRoom, type InboxQuota } from './inbox-quota.js';
import type { InboxStore } from './inbox-store.js';
import type { DeliveryQueue } from './delivery-queue.js';
import type { AuditSink, Clock, DeliveryRoute } from './ports.js';
import { systemClock } from './ports.js';
import type { AcceptedRecipient, TrackingStore } from './tracking-store.js';
import type { DeliveryRequest } from '../ports.js';

/**
 * The two doors into delivery: the intake hands over accepted messages
 * (docs/architecture.md), and an operator replays
 * dead letters (`isp-hub deliveries replay`), so nothing is silently dropped.
 */

/** One sealed delivery to one recipient, as the intake use case hands it over (src/routing/ports.ts). */
export type { DeliveryRequest };

export interface ReplayOptions {
  /** Who asked, for the audit entry (e.g. the operator's login). */
  actor?: { id: string; role: string };
}

export interface DeliveryService {
  /**
   * Records every recipient's outcome (queued or denied) and enqueues one job
   * per permitted recipient; resolves only when all of it is in Redis.
   * Idempotent per (message, recipient).
   */
  accept(messageId: string, sender: string, outcomes: readonly AcceptedRecipient[], deliveries: readonly DeliveryRequest[]): Promise<void>;
  /** INBOX_FULL when a pull recipient's inbox has no room for these deliveries (inbox-quota.ts); call before anything is stored. */
  assertRoom(deliveries: readonly DeliveryRequest[]): Promise<void>;
  listDeadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Requeues one dead letter; DELIVERY_NOT_FOUND when there is none by that id. */
  replay(deliveryId: string, options?: ReplayOptions): Promise<void>;
  /** Requeues every dead letter; returns the ids replayed. */
  replayAll(options?: ReplayOptions): Promise<string[]>;
}

export interface DeliveryServiceOptions {
  queue: DeliveryQueue;
  tracking: TrackingStore;
  deadLetters: DeadLetterStore;
  audit: AuditSink;
  /** The registry's delivery entry for an agency, or undefined for an unknown agency. */
  routeFor: (agencyId: string) => DeliveryRoute | undefined;
  /** The pull inboxes and their quota; without them, assertRoom lets everything through. */
  inboxes?: { store: Pick<InboxStore, 'usage'>; quota: InboxQuota };
  clock?: Clock;
}

export function createDeliveryService(options: DeliveryServiceOptions): DeliveryService {
  const { queue, tracking, deadLetters, audit } = options;
  const clock = options.clock ?? systemClock;

  async function replayOne(record: DeadLetter, replayOptions: ReplayOptions): Promise<void> {
    const { job } = record;
    // The audit entry comes first: the operator's act is on record even if
    // the process dies before the job is back in the queue.
    await audit.append({
      event: 'delivery-replayed',
      agency: 'hub',
      ...(replayOptions.actor ? { actor: replayOptions.actor } : {}),
      messageId: job.messageId,
      messageType: job.messageType,
      recipients: [job.recipientAgencyId],
      outcome: 'replayed',
    });
    // Reopen before enqueueing, so a fast delivery is not refused by the
    // monotonic tracking as a move out of `undeliverable`.
    await tracking.reopen(job.messageId, job.recipientAgencyId);
    await queue.removeJob(job.recipientAgencyId, job.messageId);
    // The registry's current route wins: the usual cause of a dead letter is
    // an endpoint that moved or broke. Without one, the stored route stays.
    const route = options.routeFor(job.recipientAgencyId);
    const { url: _storedUrl, ...rest } = job;
    const routed = route ? { ...rest, mode: route.mode, ...(route.mode === 'push' ? { url: route.url } : {}) } : job;
    await queue.enqueue({ ...routed, replays: job.replays + 1 });
    await deadLetters.remove(record.id);
  }

  return {
    async accept(messageId, sender, outcomes, deliveries) {
      // Resolve every route before any side effect: an unknown recipient is a
      // caller's mistake (RECIPIENT_UNKNOWN), not half an enqueue.
      const routes = deliveries.map((delivery) => {
        const route = options.routeFor(delivery.recipient);
        if (!route) throw new HubError('RECIPIENT_UNKNOWN', 'a recipient is not a partner agency');
        return { delivery, route };
      });
      await tracking.recordAccepted(messageId, sender, outcomes);
      // Deliveries under their own id (a rule's notices) are tracked too: the
      // processor's settled-state check is what stops a second push when an
      // intake is retried after a crash, since finished jobs are not kept.
      await Promise.all(
        deliveries
          .filter((delivery) => delivery.messageId !== messageId)
          .map((delivery) => tracking.recordAccepted(delivery.messageId, sender, [{ recipient: delivery.recipient, status: 'queued' }])),
      );
      const enqueuedAt = clock();
      await Promise.all(
        routes.map(({ delivery, route }) =>
          queue.enqueue({
            messageId: delivery.messageId,
            recipientAgencyId: delivery.recipient,
            sender: delivery.sender,
            messageType: delivery.messageType,
            jwe: delivery.jwe,
            mode: route.mode,
            ...(route.mode === 'push' ? { url: route.url } : {}),
            enqueuedAt,
          }),
        ),
      );
    },

    async assertRoom(deliveries) {
      if (!options.inboxes) return;
      const pulled = deliveries.filter((delivery) => options.routeFor(delivery.recipient)?.mode === 'pull');
      await assertInboxRoom(options.inboxes.store, options.inboxes.quota, pulled);
    },

    listDeadLetters: (listOptions) => deadLetters.list(listOptions),

    async replay(deliveryId, replayOptions = {}) {
      const record = parseDeliveryId(deliveryId) ? await deadLetters.get(deliveryId) : undefined;
      if (!record) throw new HubError('DELIVERY_NOT_FOUND', 'no dead letter with that id');
      await replayOne(record, replayOptions);
    },

    async replayAll(replayOptions = {}) {
      // One snapshot: a replay that fails again while this runs waits for the next request.
      const records = await deadLetters.list({ limit: Math.max(1, await deadLetters.count()) });
      for (const record of records) await replayOne(record, replayOptions);
      return records.map((record) => record.id);
    },
  };
}
