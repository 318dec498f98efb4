import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharingEntries, eventually, example, leafPaths, trackUntil, type ExampleMessage, type IntakeBody } from '../support/e2e.js';
import { startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * The children's annex (ISP Annex C) end to end: a record about a
 * 15-year-old goes out only for a purpose the catalog marks fit for children
 * and only under a `children: true` rule, with the minimum fields; children's
 * services are sent the notice the rule's `notify` obligation requires.
 */
const PUSHED = ['nv-yot', 'nv-childrens', 'nv-probation'];

/** An arrest of Jordan Sample (15 on the day of the arrest: example() keeps the examples' ages). */
async function arrestOfChild(purpose: string, to?: string[]): Promise<ExampleMessage> {
  const adult = await example('arrest-notification');
  const child = (await example('risk-flag-update')).subject;
  return {
    ...adult,
    purpose,
    subject: { ...child, category: 'suspect' },
    body: { ...adult.body, welfare: { mentalHealthConcern: true, selfHarmRisk: false, notes: 'An appropriate adult (mother) attended the interview.' }, ppo: { status: 'nominated', strand: 'prevent-and-deter', priority: 'amber' } },
    ...(to ? { to } : {}),
  };
}

describe("the children's annex end to end", () => {
  let redis: TestRedis;
  let hub: TestHub;
  const receivers = new Map<string, TestReceiver>();

  beforeAll(async () => {
    redis = await startTestRedis();
    for (const agency of PUSHED) receivers.set(agency, await startReceiver(agency));
    hub = await startTestHub(redis, { push: Object.fromEntries([...receivers].map(([agency, receiver]) => [agency, receiver.url])) });
    for (const [agency, receiver] of receivers) receiver.bind(await hub.client(agency));
  });
  afterAll(async () => {
    await hub?.stop();
    await Promise.all([...receivers.values()].map((receiver) => receiver.close()));
    await redis?.stop();
  });

  const deliveryTo = (agency: string, messageId: string) =>
    eventually(() => receivers.get(agency)!.deliveries.find((entry) => entry.messageId === messageId), 15_000, `delivery ${messageId} to ${agency}`);

  it('denies every recipient when the purpose is not fit for children, even the offender manager an adult rule would permit', async () => {
    const police = await hub.client('nv-police');
    const answer = await police.send<IntakeBody>(await arrestOfChild('catch-and-convict', ['nv-probation', 'nv-yot']));
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.recipients.map((recipient) => [recipient.agency, recipient.status])).toEqual([
      ['nv-probation', 'denied'],
      ['nv-yot', 'denied'],
    ]);
    // Default deny (no deciding rule); the offender manager's refusal names the annex.
    for (const recipient of answer.body.recipients) expect(recipient).toMatchObject({ rule: null, reason: expect.stringMatching(/^Refused: no rule permits/) });
    expect((answer.body.recipients[0] as { reason: string }).reason).toContain("children's annex");
    const refusals = (await sharingEntries(hub)).filter((entry) => entry.messageId === answer.body.id && entry.event === 'refusal');
    expect(refusals.map((entry) => entry.recipients[0]).sort()).toEqual(['nv-probation', 'nv-yot']);
    expect(refusals.every((entry) => entry.isChild === true)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const receiver of receivers.values()) expect(receiver.deliveries.filter((entry) => entry.messageId.startsWith(answer.body.id))).toEqual([]);
  });

  it('sends a prevent-and-deter arrest to the YOT and children services with the minimum each rule names, and notifies children services', async () => {
    const police = await hub.client('nv-police');
    const answer = await police.send<IntakeBody>(await arrestOfChild('prevent-and-deter', ['nv-yot', 'nv-childrens', 'nv-probation']));
    expect(answer.body.recipients).toEqual([
      { agency: 'nv-yot', status: 'queued' },
      { agency: 'nv-childrens', status: 'queued' },
      expect.objectContaining({ agency: 'nv-probation', status: 'denied' }),
    ]);
    const id = answer.body.id;

    const yot = await deliveryTo('nv-yot', id);
    expect((yot.claims['provenance'] as { ruleIds: string[] }).ruleIds).toEqual(['ca-arrest-of-child-to-yot', 'f-health-only-to-drug-service']);
    const yotLeaves = [...leafPaths(yot.claims['subject'], 'subject'), ...leafPaths(yot.claims['body'], 'body')];
    expect(yotLeaves).toEqual(expect.arrayContaining(['body.offences[].category', 'body.offences[].committedOn', 'subject.identifiers.localChildId', 'body.welfare.notes']));
    for (const absent of ['body.offences[].code', 'body.offences[].description', 'body.intelligence.summary', 'body.familyContext.livesWith', 'body.drugTestOnArrest.result', 'body.welfare.mentalHealthConcern', 'body.address.postcode', 'subject.identifiers.crn']) {
      expect(yotLeaves, absent).not.toContain(absent);
    }

    const childrens = await deliveryTo('nv-childrens', id);
    expect((childrens.claims['provenance'] as { ruleIds: string[] }).ruleIds).toEqual(['ca-arrest-of-child-to-childrens-services', 'f-health-only-to-drug-service']);
    expect(childrens.claims['body']).toMatchObject({ welfare: { notes: 'An appropriate adult (mother) attended the interview.' } });
    expect((childrens.claims['body'] as { welfare: Record<string, unknown> }).welfare['mentalHealthConcern']).toBeUndefined();
    const childrensBody = childrens.claims['body'] as Record<string, unknown>;
    expect(childrensBody['familyContext']).toEqual({ livesWith: 'partner', dependentChildren: 1 });
    expect(childrensBody['offences']).toBeUndefined();
    const { dateOfBirth } = (await example('risk-flag-update')).subject;
    expect(childrens.claims['subject']).toEqual({ identifiers: { localChildId: 'NV-C-000123' }, name: { given: 'Jordan', family: 'Sample' }, dateOfBirth });

    // The YOT rule's notify obligation: children's services learn who received what, and nothing of the body.
    const notice = await deliveryTo('nv-childrens', `${id}.notice.nv-yot`);
    expect(notice.claims['type']).toBe('disclosure-notice');
    expect(notice.claims['body']).toEqual({ disclosedTo: 'nv-yot', messageType: 'arrest-notification' });
    expect(notice.claims['subject']).toEqual({ identifiers: { localChildId: 'NV-C-000123', pnc: '24/0061234Y' } });
    expect(notice.claims['provenance']).toMatchObject({ messageId: id, sender: 'nv-police', ruleIds: ['ca-arrest-of-child-to-yot', 'f-health-only-to-drug-service'] });

    await trackUntil(police, id, 'nv-yot', 'delivered');
    await trackUntil(police, id, 'nv-childrens', 'delivered');
    const entries = (await sharingEntries(hub)).filter((entry) => entry.messageId === id);
    const disclosures = entries.filter((entry) => entry.event === 'disclosure');
    expect(disclosures.map((entry) => `${entry.recipients[0]}:${entry.outcome}`).sort()).toEqual(['nv-childrens:notice-queued', 'nv-childrens:queued', 'nv-yot:queued']);
    expect(disclosures.every((entry) => entry.isChild === true && entry.purpose === 'prevent-and-deter')).toBe(true);
    expect(entries.find((entry) => entry.event === 'refusal')).toMatchObject({ recipients: ['nv-probation'], isChild: true });
  });
});
