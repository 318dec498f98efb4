import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxListing } from '../../src/routing/delivery/index.js';
import { createInboxStore } from '../../src/routing/delivery/index.js';
import { sharingEntries, eventually, example, type IntakeBody, type TrackingBody } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * Pull delivery: the recipient lists its inbox (which
 * collects), opens each envelope with its own key, and acknowledges; the
 * sender's tracking moves queued -> collected -> acknowledged. An agency
 * that is neither the recipient nor the sender finds nothing (404).
 */
describe('pull and ack, with tracking', () => {
  let redis: TestRedis;
  let hub: TestHub;

  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
  });
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  /** Waits until the worker has put `count` items in the agency's inbox, reading the store without collecting. */
  async function heldInInbox(agencyId: string, count: number): Promise<void> {
    const store = createInboxStore({ redis: hub.hub.parts.redis, prefix: hub.prefix });
    await eventually(async () => ((await store.page(agencyId, 0, 100, Date.now())).items.length >= count ? true : undefined), 10_000, `${count} inbox items`);
  }

  async function stateFor(sender: Awaited<ReturnType<TestHub['client']>>, messageId: string, recipient: string): Promise<string | undefined> {
    return (await sender.track<TrackingBody>(messageId)).recipients.find((row) => row.agencyId === recipient)?.state;
  }

  it('lists page by page, opens, acknowledges, and the sender sees collected then acknowledged', async () => {
    const police = await hub.client('nv-police');
    const probation = await hub.client('nv-probation');
    const sent: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const answer = await police.send<IntakeBody>(await example('arrest-notification'));
      expect(answer.body.recipients).toEqual([{ agency: 'nv-probation', status: 'queued' }]);
      sent.push(answer.body.id);
    }
    await heldInInbox('nv-probation', 3);
    // Held but not yet collected: still queued for the sender.
    expect(await stateFor(police, sent[0]!, 'nv-probation')).toBe('queued');

    const first = await probation.inbox<InboxListing>({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeDefined();
    const second = await probation.inbox<InboxListing>({ limit: 2, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(1);
    // Workers may file concurrent jobs in either order; the pages together hold each message once.
    const items = [...first.items, ...second.items].sort((a, b) => sent.indexOf(a.messageId) - sent.indexOf(b.messageId));
    expect(items.map((item) => item.messageId)).toEqual(sent);
    expect(items.every((item) => item.sender === 'nv-police' && item.messageType === 'arrest-notification')).toBe(true);
    expect(await stateFor(police, sent[0]!, 'nv-probation')).toBe('collected');

    const opened = await probation.openFromHub(items[0]!.jwe);
    expect(opened.claims['iss']).toBe('isp-hub');
    expect(opened.claims['provenance']).toMatchObject({ messageId: sent[0], sender: 'nv-police', ruleIds: ['cc-arrest-to-offender-manager'] });
    expect((opened.claims['body'] as Record<string, unknown>)['custodySuite']).toBe('Northvale Central Custody Suite');
    expect((opened.claims['body'] as Record<string, unknown>)['intelligence']).toBeUndefined();
    // Another agency cannot open what was sealed to probation.
    await expect((await hub.client('nv-housing')).openFromHub(items[0]!.jwe)).rejects.toThrow();

    for (const item of items) await expect(probation.ack(item.id)).resolves.toEqual({ id: item.id, messageId: item.messageId });
    for (const id of sent) expect(await stateFor(police, id, 'nv-probation')).toBe('acknowledged');
    expect((await probation.inbox<InboxListing>()).items).toEqual([]);
    // Acknowledged items are gone: a second ack finds nothing.
    await expect(probation.ack(items[0]!.id)).rejects.toMatchObject({ code: 'INBOX_ITEM_NOT_FOUND' });

    const events = (await sharingEntries(hub)).filter((entry) => entry.messageId === sent[0]).map((entry) => `${entry.event}:${entry.agency}`);
    expect(events).toEqual(['collection:nv-police', 'disclosure:nv-police', 'collected:nv-probation', 'acknowledged:nv-probation']);
  });

  it("shows another agency neither the recipient's inbox item nor the sender's tracking (404)", async () => {
    const police = await hub.client('nv-police');
    const probation = await hub.client('nv-probation');
    const housing = await hub.client('nv-housing');
    const answer = await police.send<IntakeBody>(await example('arrest-notification'));
    const id = answer.body.id;
    await heldInInbox('nv-probation', 1);

    expect((await housing.inbox<InboxListing>()).items).toEqual([]);
    // Still uncollected by probation: housing's look did not touch it.
    expect(await stateFor(police, id, 'nv-probation')).toBe('queued');
    const [item] = (await probation.inbox<InboxListing>()).items;
    expect(item?.messageId).toBe(id);

    const ack = await housing.request('POST', `/v1/inbox/${item!.id}/ack`);
    expect(ack.status).toBe(404);
    expect(JSON.parse(ack.body.toString()).error.code).toBe('INBOX_ITEM_NOT_FOUND');
    // The recipient is not the sender either: tracking is the sender's alone.
    for (const other of [housing, probation]) {
      const tracking = await other.request('GET', `/v1/messages/${encodeURIComponent(id)}`);
      expect(tracking.status).toBe(404);
      expect(JSON.parse(tracking.body.toString()).error.code).toBe('NOT_FOUND');
    }
    // An id that never existed gets the very same answer.
    const unknown = await housing.request('GET', `/v1/messages/${encodeURIComponent(`${id.slice(0, -4)}zzzz`)}`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).error.code).toBe('NOT_FOUND');

    // Housing's failed ack left the item where it was.
    await expect(probation.ack(item!.id)).resolves.toMatchObject({ messageId: id });
    expect(await stateFor(police, id, 'nv-probation')).toBe('acknowledged');
  });
});
