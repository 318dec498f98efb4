import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgencyClient } from '../../src/client/index.js';
import { verifyCheckpoint, verifyFullLog, verifyInclusion } from '../../src/audit/index.js';
import type { InboxListing } from '../../src/routing/delivery/index.js';
import { auditEntries, sharingEntries, eventually, example, trackUntil, type IntakeBody, type TrackingBody } from '../support/e2e.js';
import { startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * Several hubs: two hub processes, each with its own HTTPS
 * listener and delivery workers, on one Redis with the same key prefix and
 * the same policy set. Messages accepted by either are delivered exactly once
 * per recipient (push and pull), tracked from either, and the two form one
 * audit log: one total order, one Merkle tree, one set of checkpoints.
 */
const PER_HUB = 6;

describe('two hubs on one Redis', () => {
  let redis: TestRedis;
  let first: TestHub;
  let second: TestHub;
  let probation: TestReceiver;
  let cps: TestReceiver;
  const appendedBy = { first: 0, second: 0 };

  beforeAll(async () => {
    redis = await startTestRedis();
    probation = await startReceiver('nv-probation');
    cps = await startReceiver('nv-cps');
    // Production configures the two hub secrets; both processes must share them.
    // A generous push timeout: on a loaded 2-core machine a receiver opening a
    // burst of envelopes can take longer than the test default of 2 s to answer,
    // and a timed-out push is (correctly) sent again as a redelivery.
    const env = {
      SUBJECT_KEY_SECRET: randomBytes(32).toString('hex'),
      FLAG_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      DELIVERY_TIMEOUT_MS: '15000',
    };
    first = await startTestHub(redis, { push: { 'nv-probation': probation.url, 'nv-cps': cps.url }, env });
    second = await startTestHub(redis, { prefix: first.prefix, policyDir: first.policyDir, env });
    first.hub.parts.auditLog.onAppended((entries) => void (appendedBy.first += entries.length));
    second.hub.parts.auditLog.onAppended((entries) => void (appendedBy.second += entries.length));
    probation.bind(await first.client('nv-probation'));
    cps.bind(await first.client('nv-cps'));
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await probation?.close();
    await cps?.close();
    await redis?.stop();
  });

  it('delivers every message accepted by either hub exactly once per recipient and forms one verifiable audit log', async () => {
    expect(second.url).not.toBe(first.url);
    const sizeBefore = await first.hub.parts.auditLog.size();
    // Each hub wrote its own policy-loaded entry at start, before the counters were attached.
    expect(sizeBefore).toBe(2);

    const charge = await example('charge-notification');
    const outcome = await example('court-outcome');
    const clients = { first: { police: await first.client('nv-police'), court: await first.client('nv-court') }, second: { police: await second.client('nv-police'), court: await second.client('nv-court') } };
    const sends: Array<Promise<{ via: 'first' | 'second'; type: string; body: IntakeBody }>> = [];
    for (const via of ['first', 'second'] as const) {
      for (let i = 0; i < PER_HUB; i += 1) {
        const [client, message] = i % 2 === 0 ? [clients[via].police, charge] : [clients[via].court, outcome];
        sends.push(client.send<IntakeBody>(message).then((answer) => ({ via, type: message.type, body: answer.body })));
      }
    }
    const accepted = await Promise.all(sends);
    const charges = accepted.filter((item) => item.type === 'charge-notification');
    const outcomes = accepted.filter((item) => item.type === 'court-outcome');
    for (const item of charges) expect(item.body.recipients).toEqual([{ agency: 'nv-cps', status: 'queued' }, { agency: 'nv-probation', status: 'queued' }]);
    for (const item of outcomes) {
      expect(item.body.recipients.map((recipient) => `${recipient.agency}:${recipient.status}`).sort()).toEqual(['nv-police:queued', 'nv-probation:queued']);
    }

    // Push: every delivery arrives, once, whichever hub's worker took the job.
    const pushedToProbation = accepted.map((item) => item.body.id);
    const pushedToCps = charges.map((item) => item.body.id);
    await eventually(() => (pushedToProbation.every((id) => probation.deliveries.some((entry) => entry.messageId === id)) ? true : undefined), 20_000, 'probation deliveries');
    await eventually(() => (pushedToCps.every((id) => cps.deliveries.some((entry) => entry.messageId === id)) ? true : undefined), 20_000, 'cps deliveries');
    // Pull: the police inbox, read through either hub, holds each court outcome once.
    const outcomeIds = outcomes.map((item) => item.body.id).sort();
    const inboxThroughSecond = await hubInbox(await second.client('nv-police'), outcomeIds.length);
    expect(inboxThroughSecond.map((item) => item.messageId).sort()).toEqual(outcomeIds);
    const inboxThroughFirst = (await (await first.client('nv-police')).inbox<InboxListing>({ limit: 100 })).items;
    expect(inboxThroughFirst.map((item) => item.id).sort()).toEqual(inboxThroughSecond.map((item) => item.id).sort());
    for (const item of inboxThroughFirst) await (await first.client('nv-police')).ack(item.id);

    // Tracking is shared: each sender sees "delivered" through the other hub.
    for (const item of charges) {
      const other = item.via === 'first' ? clients.second.police : clients.first.police;
      await trackUntil(other, item.body.id, 'nv-cps', 'delivered');
      await trackUntil(other, item.body.id, 'nv-probation', 'delivered');
    }
    for (const item of outcomes) {
      const other = item.via === 'first' ? clients.second.court : clients.first.court;
      const tracking = await other.track<TrackingBody>(item.body.id);
      expect(tracking.recipients).toEqual([
        expect.objectContaining({ agencyId: 'nv-police', state: 'acknowledged' }),
        expect.objectContaining({ agencyId: 'nv-probation', state: 'delivered' }),
      ]);
    }

    // Let any straggling duplicate arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // One copy each, a first delivery (a second copy would show its `redelivery` flag here).
    for (const id of pushedToProbation) expect(copies(probation, id), `probation ${id}`).toEqual([false]);
    for (const id of pushedToCps) expect(copies(cps, id), `cps ${id}`).toEqual([false]);

    // One audit log: both hubs' entries go into it through one sequencer, and both read the same entries.
    const size = await first.hub.parts.auditLog.size();
    expect(await second.hub.parts.auditLog.size()).toBe(size);
    expect(sizeBefore + appendedBy.first + appendedBy.second).toBe(size);
    // charge: collection + 2 disclosures + 2 delivered; court outcome: collection + 2 disclosures + 1 delivered + collected + acknowledged;
    // each also feeds the statistics ledger (one more disclosure).
    expect(size - sizeBefore).toBe(charges.length * 6 + outcomes.length * 7);
    const entries = await auditEntries(first);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: size }, (_, seq) => seq));
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(size);
    expect(await auditEntries(second)).toEqual(entries);
    for (const item of accepted) {
      expect(entries.filter((entry) => entry.messageId === item.body.id && entry.event === 'collection')).toHaveLength(1);
      expect(entries.filter((entry) => entry.messageId === item.body.id && entry.event === 'delivered')).toHaveLength(item.type === 'charge-notification' ? 2 : 1);
    }

    // An entry the second hub wrote is in the tree the first hub signs.
    const hubCertificate = first.hub.parts.keys.signing.certificate;
    const signed = await first.hub.parts.auditLog.checkpoint();
    const checkpoint = await verifyCheckpoint(signed.jws, hubCertificate);
    expect(checkpoint.treeSize).toBe(size);
    const fromSecond = entries.find((entry) => entry.event === 'collection' && accepted.some((item) => item.via === 'second' && item.body.id === entry.messageId))!;
    verifyInclusion(fromSecond, await first.hub.parts.auditLog.inclusionProof(fromSecond.seq, checkpoint.treeSize), checkpoint);
    const fromFirst = entries.find((entry) => entry.event === 'collection' && accepted.some((item) => item.via === 'first' && item.body.id === entry.messageId))!;
    verifyInclusion(fromFirst, await second.hub.parts.auditLog.inclusionProof(fromFirst.seq, checkpoint.treeSize), checkpoint);

    // The whole log, with every checkpoint either scheduler signed, verifies as one.
    const report = await verifyFullLog({ redis: first.hub.parts.redis, prefix: first.prefix, hubCertificate });
    expect(report.problem).toBeUndefined();
    expect(report).toMatchObject({ ok: true, treeSize: size, checkedEntries: size });
  });

  it('answers the same bytes posted to both hubs at once with one answer, one collection and one delivery per recipient', async () => {
    const police = await first.client('nv-police');
    const { jwe } = await police.sealForHub(await example('charge-notification'), 'two-hubs-jti-0001');
    const [viaFirst, viaSecond] = await Promise.all([police.request('POST', '/v1/messages', jwe), (await second.client('nv-police')).request('POST', '/v1/messages', jwe)]);
    expect([viaFirst.status, viaSecond.status]).toEqual([202, 202]);
    expect(viaSecond.body.toString()).toBe(viaFirst.body.toString());
    const id = (JSON.parse(viaFirst.body.toString()) as IntakeBody).id;
    await trackUntil(police, id, 'nv-cps', 'delivered');
    await trackUntil(police, id, 'nv-probation', 'delivered');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(copies(cps, id)).toEqual([false]);
    expect(copies(probation, id)).toEqual([false]);
    const events = (await sharingEntries(second)).filter((entry) => entry.messageId === id).map((entry) => entry.event);
    expect(events.sort()).toEqual(['collection', 'delivered', 'delivered', 'disclosure', 'disclosure']);
  });

  it('answers a query through one hub from flags set through the other', async () => {
    const update = await (await first.client('nv-police')).send<IntakeBody>({ ...(await example('risk-flag-update')), to: ['nv-yot'] });
    expect(update.body.recipients).toEqual([{ agency: 'nv-yot', status: 'queued' }]);
    const { answer } = await (await second.client('nv-yot')).query(await example('risk-flag-query'));
    const flags = (answer['body'] as { flags: Array<{ code: string; holder: { agency: string } }> }).flags;
    expect(flags.map((flag) => `${flag.code}@${flag.holder.agency}`).sort()).toEqual(['exploitation@nv-police', 'missing-episodes@nv-police']);
  });
});

/** The `redelivery` flag of every copy of a message a receiver got. */
function copies(receiver: TestReceiver, messageId: string): boolean[] {
  return receiver.deliveries.filter((entry) => entry.messageId === messageId).map((entry) => entry.redelivery);
}

/** Lists the agency's inbox until `count` items are held (the workers of either hub may still be filing them). */
async function hubInbox(client: AgencyClient, count: number) {
  return eventually(async () => {
    const listing = await client.inbox<InboxListing>({ limit: 100 });
    return listing.items.length >= count ? listing.items : undefined;
  }, 20_000, `${count} inbox items`);
}
