import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAuditLog } from '../../../test/support/delivery-fixtures.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { createInbox } from './inbox.js';
import { createInboxStore } from './inbox-store.js';
import { createTrackingStore } from './tracking-store.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const TTL_SECONDS = 3600;
const JWE = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.a2V5.aXY.Y2lwaGVy.dGFn';

function setup() {
  const prefix = redis.newPrefix();
  const client = redis.connect();
  let now = Date.UTC(2025, 2, 3, 9, 0, 0);
  const clock = () => now;
  const audit = testAuditLog(client, prefix);
  const store = createInboxStore({ redis: client, prefix });
  const tracking = createTrackingStore({ redis: client, prefix, clock });
  const inbox = createInbox({ store, tracking, audit, ttlSeconds: TTL_SECONDS, clock });
  async function deliver(messageId: string, recipient: string, sender = 'nv-police') {
    await tracking.recordAccepted(messageId, sender, [{ recipient, status: 'queued' }]);
    return store.put({ agencyId: recipient, messageId, sender, messageType: 'arrest-notification', jwe: JWE, receivedAt: now, expiresAt: now + TTL_SECONDS * 1000 });
  }
  return { inbox, store, tracking, audit, deliver, prefix, client, advance: (ms: number) => (now += ms) };
}

describe('pull inbox', () => {
  it('lists only the caller’s items, oldest first, in pages with an opaque cursor', async () => {
    const { inbox, deliver } = setup();
    for (let i = 1; i <= 5; i++) await deliver(`msg_p${i}`, 'nv-probation');
    await deliver('msg_y1', 'nv-yot');

    const first = await inbox.list('nv-probation', { limit: 2 });
    expect(first.items.map((item) => item.messageId)).toEqual(['msg_p1', 'msg_p2']);
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await inbox.list('nv-probation', { limit: 2, cursor: first.nextCursor as string });
    expect(second.items.map((item) => item.messageId)).toEqual(['msg_p3', 'msg_p4']);
    const third = await inbox.list('nv-probation', { limit: 2, cursor: second.nextCursor as string });
    expect(third.items.map((item) => item.messageId)).toEqual(['msg_p5']);
    expect(third.nextCursor).toBeUndefined();

    const yot = await inbox.list('nv-yot');
    expect(yot.items.map((item) => item.messageId)).toEqual(['msg_y1']);
    expect(yot.items[0]).toMatchObject({ sender: 'nv-police', messageType: 'arrest-notification', jwe: JWE });
  });

  it('refuses a forged cursor and an out-of-range limit with BAD_REQUEST', async () => {
    const { inbox } = setup();
    await expect(inbox.list('nv-probation', { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(inbox.list('nv-probation', { limit: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(inbox.list('nv-probation', { limit: 101 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it("numbers each recipient's items on its own counter, so deliveries to others never move it", async () => {
    const { store, deliver } = setup();
    await deliver('msg_a1', 'nv-probation');
    for (let i = 1; i <= 7; i++) await deliver(`msg_other${i}`, 'nv-yot');
    await deliver('msg_a2', 'nv-probation');
    const page = await store.page('nv-probation', 0, 10, Date.UTC(2025, 2, 3, 9, 0, 1));
    expect(page.items.map((item) => item.seq)).toEqual([1, 2]);
  });

  it("gives cursors that carry no readable position and work on the recipient's own inbox only", async () => {
    const { inbox, deliver } = setup();
    for (let i = 1; i <= 3; i++) await deliver(`msg_c${i}`, 'nv-probation');
    for (let i = 1; i <= 3; i++) await deliver(`msg_h${i}`, 'nv-housing');
    const first = await inbox.list('nv-probation', { limit: 1 });
    const cursor = first.nextCursor as string;
    const bytes = Buffer.from(cursor, 'base64url');
    expect(bytes.toString('latin1')).not.toMatch(/i1\.|\b1\b/);
    // Listing the same page again gives another cursor that leads to the same place.
    const again = await inbox.list('nv-probation', { limit: 1 });
    expect(again.nextCursor).not.toBe(cursor);
    expect((await inbox.list('nv-probation', { limit: 1, cursor: again.nextCursor as string })).items.map((item) => item.messageId)).toEqual(['msg_c2']);
    // Housing presenting probation's cursor is refused, not served from that position.
    await expect(inbox.list('nv-housing', { cursor })).rejects.toMatchObject({ code: 'BAD_REQUEST', details: { field: 'cursor' } });
    // The old readable form is refused too.
    await expect(inbox.list('nv-probation', { cursor: Buffer.from('i1.1').toString('base64url') })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('keeps the order of items stored before counters were per recipient', async () => {
    const { store, deliver, prefix, client } = setup();
    await deliver('msg_old1', 'nv-probation');
    await deliver('msg_old2', 'nv-probation');
    // As an older hub left it: a position from the one shared counter, and no counter of the inbox's own.
    const [counter] = (await client.keys(`${prefix}*inbox:seq:nv-probation`)) as [string];
    await client.zadd(counter.replace('inbox:seq:nv-probation', 'inbox:agency:nv-probation'), 40, 'ibx_legacyitem000000000000000000000');
    await client.del(counter);
    await deliver('msg_new', 'nv-probation');
    const page = await store.page('nv-probation', 0, 10, Date.UTC(2025, 2, 3, 9, 0, 1));
    expect(page.items.map((item) => [item.messageId, item.seq])).toEqual([
      ['msg_old1', 1],
      ['msg_old2', 2],
      ['msg_new', 41],
    ]);
  });

  it('puts one item per delivery even when the job runs twice', async () => {
    const { inbox, deliver } = setup();
    const first = await deliver('msg_twice', 'nv-probation');
    const again = await deliver('msg_twice', 'nv-probation');
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect((await inbox.list('nv-probation')).items).toHaveLength(1);
  });

  it('marks listed items collected once: one audit entry, tracking collected', async () => {
    const { inbox, tracking, audit, deliver } = setup();
    await deliver('msg_c1', 'nv-probation');
    await inbox.list('nv-probation');
    await inbox.list('nv-probation');
    const collected = (await audit.entries()).filter((entry) => entry.event === 'collected');
    expect(collected).toHaveLength(1);
    expect(collected[0]).toMatchObject({ agency: 'nv-probation', messageId: 'msg_c1', recipients: ['nv-probation'] });
    expect(await tracking.stateOf('msg_c1', 'nv-probation')).toBe('collected');
  });

  it('acks an item: audit entry, tracking acknowledged, gone from the list', async () => {
    const { inbox, tracking, audit, deliver } = setup();
    await deliver('msg_a1', 'nv-probation');
    const [item] = (await inbox.list('nv-probation')).items;
    const acked = await inbox.ack('nv-probation', item?.id as string);
    expect(acked.messageId).toBe('msg_a1');
    expect((await audit.entries()).map((entry) => entry.event)).toEqual(['collected', 'acknowledged']);
    expect(await tracking.stateOf('msg_a1', 'nv-probation')).toBe('acknowledged');
    expect((await inbox.list('nv-probation')).items).toEqual([]);
    await expect(inbox.ack('nv-probation', item?.id as string)).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND' });
  });

  it('gives another agency INBOX_ITEM_NOT_FOUND for an item that is not theirs, and leaves it alone', async () => {
    const { inbox, audit, deliver } = setup();
    const { id } = await deliver('msg_x1', 'nv-probation');
    await expect(inbox.ack('nv-housing', id)).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND', status: 404 });
    await expect(inbox.get('nv-housing', id)).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND' });
    await expect(inbox.ack('nv-housing', 'ibx_../../etc')).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND' });
    expect((await inbox.list('nv-housing')).items).toEqual([]);
    expect(await audit.entries()).toEqual([]);
    expect((await inbox.list('nv-probation')).items.map((item) => item.id)).toEqual([id]);
  });

  it('expires items not collected in time: audit expired, tracking undeliverable, invisible at once', async () => {
    const { inbox, tracking, audit, deliver, advance } = setup();
    await deliver('msg_e1', 'nv-prison');
    await deliver('msg_e2', 'nv-prison');
    await inbox.list('nv-prison', { limit: 1 }); // collects msg_e1 only
    advance(TTL_SECONDS * 1000 + 1);
    // Past its time an item is gone even before the sweeper runs.
    expect((await inbox.list('nv-prison')).items).toEqual([]);

    expect(await inbox.sweepExpired()).toBe(2);
    const expired = (await audit.entries()).filter((entry) => entry.event === 'expired');
    expect(expired.map((entry) => [entry.messageId, entry.outcome])).toEqual(
      expect.arrayContaining([
        ['msg_e1', 'unacknowledged'],
        ['msg_e2', 'uncollected'],
      ]),
    );
    expect(expired.every((entry) => entry.agency === 'hub' && entry.recipients?.[0] === 'nv-prison')).toBe(true);
    expect(await tracking.stateOf('msg_e2', 'nv-prison')).toBe('undeliverable');
    expect(await tracking.stateOf('msg_e1', 'nv-prison')).toBe('collected');
    const report = await tracking.getForAgency('msg_e2', 'nv-police');
    expect(report.recipients[0]).toMatchObject({ state: 'undeliverable', reason: expect.stringContaining('within 1 hour;') });
    expect(await inbox.sweepExpired()).toBe(0);
  });

  it('two sweepers running together expire each item once', async () => {
    const { inbox, audit, deliver, advance } = setup();
    for (let i = 0; i < 30; i++) await deliver(`msg_s${i}`, 'nv-court');
    advance(TTL_SECONDS * 1000 + 1);
    const [a, b] = await Promise.all([inbox.sweepExpired({ batch: 7 }), inbox.sweepExpired({ batch: 7 })]);
    expect((a ?? 0) + (b ?? 0)).toBe(30);
    expect((await audit.entries()).filter((entry) => entry.event === 'expired')).toHaveLength(30);
  });
});
