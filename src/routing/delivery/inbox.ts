import { z } from 'zod';
import { HubError } from '../../errors.js';
import { createInboxCursors, type InboxCursors } from './inbox-cursor.js';
import type { InboxItem, InboxStore } from './inbox-store.js';
import type { AuditSink, Clock, DeliveryMetrics } from './ports.js';
import { systemClock } from './ports.js';
import type { TrackingStore } from './tracking-store.js';

/**
 * The pull inbox as agencies see it (`GET /v1/inbox`, `POST /v1/inbox/{id}/ack`):
 * only the caller's items, in arrival order, with an opaque cursor. Every
 * collection, acknowledgement and expiry is audited before it takes effect,
 * so the log never misses an act (a crash in between can only repeat an
 * entry, never lose one).
 */

export interface InboxEntry {
  id: string;
  messageId: string;
  sender: string;
  messageType: string;
  /** The envelope sealed to the recipient (application/jose). */
  jwe: string;
  receivedAt: string;
  expiresAt: string;
}

export interface InboxListing {
  items: InboxEntry[];
  /** Present when more items may follow; pass it back as `cursor`. */
  nextCursor?: string;
}

export interface Inbox {
  /** Lists and collects: items returned here count as collected. */
  list(agencyId: string, query?: { cursor?: string; limit?: number }): Promise<InboxListing>;
  /** One item, collected; another agency's or an unknown id gives INBOX_ITEM_NOT_FOUND. */
  get(agencyId: string, itemId: string): Promise<InboxEntry>;
  ack(agencyId: string, itemId: string): Promise<{ id: string; messageId: string }>;
  /** Expires items past their time; returns how many it expired. */
  sweepExpired(options?: { batch?: number }): Promise<number>;
}

export interface InboxOptions {
  store: InboxStore;
  tracking: TrackingStore;
  audit: AuditSink;
  /** INBOX_TTL_SECONDS, for the sentence in the undeliverable report. */
  ttlSeconds: number;
  metrics?: DeliveryMetrics;
  clock?: Clock;
  /** Seals `nextCursor`; without one, a random key good for this process only (tests). */
  cursors?: InboxCursors;
}

export const INBOX_PAGE_DEFAULT = 20;
export const INBOX_PAGE_MAX = 100;
const SWEEP_LEASE_MS = 60_000;

const listQuerySchema = z.strictObject({
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(INBOX_PAGE_MAX).optional(),
});
const itemIdSchema = z.string().regex(/^ibx_[A-Za-z0-9_-]{32}$/);

function describeDuration(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

function toEntry(item: InboxItem): InboxEntry {
  return {
    id: item.id,
    messageId: item.messageId,
    sender: item.sender,
    messageType: item.messageType,
    jwe: item.jwe,
    receivedAt: new Date(item.receivedAt).toISOString(),
    expiresAt: new Date(item.expiresAt).toISOString(),
  };
}

export function createInbox(options: InboxOptions): Inbox {
  const { store, tracking, audit, metrics } = options;
  const clock = options.clock ?? systemClock;
  const cursors = options.cursors ?? createInboxCursors();

  async function collect(agencyId: string, items: readonly InboxItem[]): Promise<void> {
    const fresh = items.filter((item) => item.collectedAt === undefined);
    if (fresh.length === 0) return;
    // Audit first: the items are about to leave the hub (DPA 2018 s.62(1)(d)).
    for (const item of fresh) {
      await audit.append({
        event: 'collected',
        agency: agencyId,
        messageId: item.messageId,
        messageType: item.messageType,
        recipients: [agencyId],
        outcome: 'collected',
      });
    }
    const marked = await store.markCollected(agencyId, fresh.map((item) => item.id), clock());
    for (const itemId of marked) {
      const item = fresh.find((candidate) => candidate.id === itemId);
      if (!item) continue;
      await tracking.transition(item.messageId, agencyId, 'collected');
      metrics?.collected?.(agencyId);
    }
  }

  function parseItemId(itemId: string): string {
    const parsed = itemIdSchema.safeParse(itemId);
    if (!parsed.success) throw new HubError('INBOX_ITEM_NOT_FOUND', 'no such inbox item');
    return parsed.data;
  }

  return {
    async list(agencyId, query = {}) {
      const parsed = listQuerySchema.safeParse(query);
      if (!parsed.success) throw new HubError('BAD_REQUEST', 'invalid inbox query', { fields: parsed.error.issues.map((i) => i.path.join('.')) });
      const afterSeq = parsed.data.cursor ? cursors.decode(agencyId, parsed.data.cursor) : 0;
      const limit = parsed.data.limit ?? INBOX_PAGE_DEFAULT;
      const page = await store.page(agencyId, afterSeq, limit, clock());
      await collect(agencyId, page.items);
      return {
        items: page.items.map(toEntry),
        ...(page.lastSeq !== undefined ? { nextCursor: cursors.encode(agencyId, page.lastSeq) } : {}),
      };
    },

    async get(agencyId, itemId) {
      const item = await store.get(agencyId, parseItemId(itemId), clock());
      if (!item) throw new HubError('INBOX_ITEM_NOT_FOUND', 'no such inbox item');
      await collect(agencyId, [item]);
      return toEntry(item);
    },

    async ack(agencyId, itemId) {
      const id = parseItemId(itemId);
      const item = await store.get(agencyId, id, clock());
      // Unknown, expired and another agency's items look the same: nobody can probe an inbox.
      if (!item) throw new HubError('INBOX_ITEM_NOT_FOUND', 'no such inbox item');
      await audit.append({
        event: 'acknowledged',
        agency: agencyId,
        messageId: item.messageId,
        messageType: item.messageType,
        recipients: [agencyId],
        outcome: 'acknowledged',
      });
      await store.remove(agencyId, id);
      await tracking.transition(item.messageId, agencyId, 'acknowledged');
      return { id, messageId: item.messageId };
    },

    async sweepExpired(sweep = {}) {
      const batch = sweep.batch ?? 100;
      let expired = 0;
      for (;;) {
        const now = clock();
        const claimed = await store.claimExpired(now, batch, SWEEP_LEASE_MS);
        for (const itemId of claimed) {
          const item = await store.read(itemId);
          if (!item) {
            await store.forgetExpiry(itemId);
            continue;
          }
          const collected = item.collectedAt !== undefined;
          const reason = collected
            ? 'Collected from the inbox but not acknowledged in time; the item was removed.'
            : `Not collected from the inbox within ${describeDuration(options.ttlSeconds)}; the item was removed.`;
          // DPA 2018 s.62(1)(f): removing the held copy is an erasure, logged before it happens.
          await audit.append({
            event: 'expired',
            agency: 'hub',
            messageId: item.messageId,
            messageType: item.messageType,
            recipients: [item.agencyId],
            outcome: collected ? 'unacknowledged' : 'uncollected',
            reason,
          });
          await store.remove(item.agencyId, itemId);
          if (!collected) await tracking.transition(item.messageId, item.agencyId, 'undeliverable', reason);
          metrics?.expired?.(item.agencyId);
          expired += 1;
        }
        if (claimed.length < batch) return expired;
      }
    },
  };
}
