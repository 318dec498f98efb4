import { HubError } from '../../errors.js';
import type { InboxStore } from './inbox-store.js';

/** INBOX_MAX_ITEMS and INBOX_MAX_MB: what one recipient's pull inbox may hold. */
export interface InboxQuota {
  maxItems: number;
  maxBytes: number;
}

/** A recipient that does not collect gets no more until it does: this is when a sender may try again. */
const RETRY_AFTER_SECONDS = 60;

/**
 * Refuses a message that would take any pull recipient's inbox past its
 * quota, before anything of it is stored or audited as sent. Without it one
 * sender could fill Redis (and with `noeviction`, stop every write, the
 * audit log's too) with envelopes to a recipient that never collects.
 *
 * The check reads what the inboxes hold now, so messages accepted at the
 * same moment can pass it together: the overshoot is bounded by the
 * requests in flight, and the sender's byte budget bounds those.
 */
export async function assertInboxRoom(store: Pick<InboxStore, 'usage'>, quota: InboxQuota, deliveries: ReadonlyArray<{ recipient: string; jwe: string }>): Promise<void> {
  const adding = new Map<string, { items: number; bytes: number }>();
  for (const { recipient, jwe } of deliveries) {
    const sum = adding.get(recipient) ?? { items: 0, bytes: 0 };
    adding.set(recipient, { items: sum.items + 1, bytes: sum.bytes + Buffer.byteLength(jwe) });
  }
  for (const [recipient, add] of adding) {
    const held = await store.usage(recipient);
    const limit = held.items + add.items > quota.maxItems ? 'items' : held.bytes + add.bytes > quota.maxBytes ? 'bytes' : undefined;
    if (limit) {
      throw new HubError('INBOX_FULL', "a recipient's inbox is full until it collects; nothing was sent to any recipient", {
        recipient,
        limit,
        maxItems: quota.maxItems,
        maxBytes: quota.maxBytes,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
  }
}
