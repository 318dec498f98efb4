import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAuditLog } from '../../../test/support/delivery-fixtures.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createInbox } from './inbox.js';
import { assertInboxRoom } from './inbox-quota.js';
import { createInboxStore } from './inbox-store.js';
import { createTrackingStore } from './tracking-store.js';

/** The inbox quota's measure (items and bytes held per recipient) against a real redis-server, through put, ack and expiry. */

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
});
afterAll(async () => {
  await redis?.stop();
});

const TTL_SECONDS = 60;

function setup() {
  const prefix = redis.newPrefix();
  const client = redis.connect();
  let now = Date.UTC(2026, 2, 3, 9, 0, 0);
  const clock = () => now;
  const store = createInboxStore({ redis: client, prefix });
  const tracking = createTrackingStore({ redis: client, prefix, clock });
  const inbox = createInbox({ store, tracking, audit: testAuditLog(client, prefix), ttlSeconds: TTL_SECONDS, clock });
  async function deliver(messageId: string, jwe: string) {
    await tracking.recordAccepted(messageId, 'nv-police', [{ recipient: 'nv-probation', status: 'queued' }]);
    return store.put({ agencyId: 'nv-probation', messageId, sender: 'nv-police', messageType: 'arrest-notification', jwe, receivedAt: now, expiresAt: now + TTL_SECONDS * 1000 });
  }
  return { store, inbox, deliver, advance: (ms: number) => (now += ms) };
}

describe('inbox quota', () => {
  it('counts items and bytes held per recipient; a re-run delivery is not counted twice; ack and expiry give the room back', async () => {
    const { store, inbox, deliver, advance } = setup();
    await deliver('msg_q1', 'a'.repeat(1000));
    await deliver('msg_q1', 'a'.repeat(1000));
    await deliver('msg_q2', 'b'.repeat(500));
    expect(await store.usage('nv-probation')).toEqual({ items: 2, bytes: 1500 });
    expect(await store.usage('nv-yot')).toEqual({ items: 0, bytes: 0 });

    const [first] = (await inbox.list('nv-probation')).items;
    await inbox.ack('nv-probation', first!.id);
    expect(await store.usage('nv-probation')).toEqual({ items: 1, bytes: 500 });
    advance(TTL_SECONDS * 1000 + 1);
    expect(await inbox.sweepExpired()).toBe(1);
    expect(await store.usage('nv-probation')).toEqual({ items: 0, bytes: 0 });
  });

  it('refuses deliveries that would pass the byte quota or the item quota with INBOX_FULL naming the recipient and the limit', async () => {
    const { store, deliver } = setup();
    await deliver('msg_b1', 'x'.repeat(900));
    const quota = { maxItems: 3, maxBytes: 1000 };
    await expect(assertInboxRoom(store, quota, [{ recipient: 'nv-probation', jwe: 'y'.repeat(100) }])).resolves.toBeUndefined();
    await expect(assertInboxRoom(store, quota, [{ recipient: 'nv-probation', jwe: 'y'.repeat(101) }])).rejects.toMatchObject({
      code: 'INBOX_FULL',
      status: 429,
      details: { recipient: 'nv-probation', limit: 'bytes', maxBytes: 1000 },
    });
    const three = Array.from({ length: 3 }, () => ({ recipient: 'nv-probation', jwe: 'z' }));
    await expect(assertInboxRoom(store, quota, three)).rejects.toMatchObject({ code: 'INBOX_FULL', details: { limit: 'items', maxItems: 3 } });
    // Another recipient's inbox is measured on its own.
    await expect(assertInboxRoom(store, quota, [{ recipient: 'nv-yot', jwe: 'y'.repeat(1000) }])).resolves.toBeUndefined();
  });
});
