import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import { covers, discloseListsByRule, eventually, example, leafPaths, trackUntil, valueAt, type IntakeBody } from '../support/e2e.js';
import { startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * Every message type of the Northvale example protocol, sent over mutual TLS
 * by a permitted sender and pushed to a real webhook receiver: what arrives
 * holds only fields the permitting rule's `disclose` names (read from
 * policies/rules/ directly, not through the engine), the fields the rule
 * leaves out are absent, and the named ones carry the sender's values.
 * (risk-flag-query is answered in the same exchange: test/e2e/risk-flag-query.test.ts.)
 */
interface Case {
  type: string;
  from: string;
  to: string;
  /** Sets `to` explicitly; otherwise the example's own `to` or the policy's choice. */
  namedTo?: string[];
  rule: string;
  disclosed: string[];
  /** Leaf-path prefixes that must not arrive (array elements as `[]`). */
  withheld: string[];
}

const CASES: Case[] = [
  {
    type: 'arrest-notification', from: 'nv-police', to: 'nv-probation', rule: 'cc-arrest-to-offender-manager',
    disclosed: ['subject.name', 'body.custodyRecordNumber', 'body.ppo', 'body.address'],
    withheld: ['body.intelligence', 'body.drugTestOnArrest', 'body.welfare', 'body.familyContext', 'body.arrestingOfficer'],
  },
  {
    type: 'charge-notification', from: 'nv-police', to: 'nv-probation', rule: 'cc-charge-to-offender-manager',
    disclosed: ['body.caseUrn', 'body.decision', 'body.firstHearing'],
    withheld: ['body.charges[].wording', 'body.victimCount', 'body.prosecutor', 'body.cpsAuthorisedOn'],
  },
  {
    type: 'charge-notification', from: 'nv-police', to: 'nv-cps', rule: 'cc-charge-to-cps',
    disclosed: ['body.caseUrn', 'body.victimCount', 'body.cpsAuthorisedOn', 'body.charges'],
    withheld: [],
  },
  {
    type: 'court-outcome', from: 'nv-court', to: 'nv-police', rule: 'cc-court-outcome-to-police',
    disclosed: ['body.court', 'body.sentence', 'body.orders', 'body.remand'],
    withheld: ['body.preSentenceReportProposal'],
  },
  {
    type: 'custody-release', from: 'nv-prison', to: 'nv-police', rule: 'rr-release-to-police',
    disclosed: ['body.licence', 'body.addressOnRelease', 'body.risk.riskOfSeriousHarm'],
    withheld: ['body.needs', 'body.risk.assessedOn', 'body.risk.tool'],
  },
  {
    type: 'custody-release', from: 'nv-prison', to: 'nv-housing', namedTo: ['nv-housing'], rule: 'rr-release-to-housing',
    disclosed: ['subject.identifiers.crn', 'body.needs.housing', 'body.licence.supervisingOfficer', 'body.releaseDate'],
    withheld: ['subject.identifiers.pnc', 'body.needs.health', 'body.needs.substanceMisuse', 'body.risk', 'body.licence.conditions', 'body.establishment'],
  },
  {
    type: 'information-request', from: 'nv-probation', to: 'nv-police', rule: 'cc-information-request-to-police',
    disclosed: ['body.requestId', 'body.question', 'body.forMeeting'],
    withheld: [],
  },
  {
    type: 'information-response', from: 'nv-police', to: 'nv-probation', rule: 'cc-information-response-to-offender-manager',
    disclosed: ['body.requestId', 'body.answer.summary', 'body.answer.intelligence', 'body.answer.riskAssessment'],
    withheld: [],
  },
  {
    type: 'needs-referral', from: 'nv-probation', to: 'nv-housing', rule: 'rr-referral-housing',
    disclosed: ['body.housing', 'body.currentAddress', 'body.consent', 'body.referrer'],
    withheld: ['body.substanceMisuse', 'body.health', 'body.offending', 'subject.identifiers.pnc'],
  },
  {
    type: 'ppo-status-change', from: 'nv-police', to: 'nv-housing', namedTo: ['nv-housing'], rule: 'cc-ppo-status-to-service-partners',
    disclosed: ['body.status', 'body.strand', 'body.priority', 'body.reviewDate'],
    withheld: ['body.reason', 'body.selectionCriteria', 'body.panel', 'body.previousStatus', 'subject.identifiers.pnc'],
  },
  {
    type: 'ppo-status-change', from: 'nv-police', to: 'nv-probation', namedTo: ['nv-probation'], rule: 'cc-ppo-status-to-justice-partners',
    disclosed: ['body.reason', 'body.panel', 'body.previousStatus', 'subject.identifiers.pnc'],
    withheld: [],
  },
  {
    type: 'risk-flag-update', from: 'nv-police', to: 'nv-yot', rule: 'pd-risk-flags-between-panel-partners',
    disclosed: ['body.flags', 'body.agreedAt', 'subject.identifiers.localChildId'],
    withheld: [],
  },
];

const PUSHED = ['nv-probation', 'nv-police', 'nv-cps', 'nv-housing', 'nv-yot', 'nv-childrens', 'nv-court', 'nv-prison'];

describe('every message type of the example protocol, end to end', () => {
  let redis: TestRedis;
  let hub: TestHub;
  const receivers = new Map<string, TestReceiver>();
  let discloseLists: Map<string, string[]>;

  beforeAll(async () => {
    redis = await startTestRedis();
    for (const agency of PUSHED) receivers.set(agency, await startReceiver(agency));
    hub = await startTestHub(redis, { push: Object.fromEntries([...receivers].map(([agency, receiver]) => [agency, receiver.url])) });
    for (const [agency, receiver] of receivers) receiver.bind(await hub.client(agency));
    discloseLists = await discloseListsByRule();
  });
  afterAll(async () => {
    await hub?.stop();
    await Promise.all([...receivers.values()].map((receiver) => receiver.close()));
    await redis?.stop();
  });

  it('covers every example message type but the query (answered at /v1/queries)', async () => {
    const types = (await readdir(path.join(repoRoot, 'policies/examples'))).map((file) => file.replace(/\.json$/, '')).filter((type) => type !== 'risk-flag-query');
    expect(new Set(CASES.map((item) => item.type))).toEqual(new Set(types));
  });

  it.each(CASES)('$type from $from reaches $to with only what $rule discloses', async (item) => {
    const original = await example(item.type);
    const message = item.namedTo ? { ...original, to: item.namedTo } : original;
    const sender = await hub.client(item.from);
    const answer = await sender.send<IntakeBody>(message);
    expect(answer.status).toBe(202);
    expect(answer.body.recipients).toContainEqual({ agency: item.to, status: 'queued' });

    const receiver = receivers.get(item.to)!;
    const delivery = await eventually(() => receiver.deliveries.find((entry) => entry.messageId === answer.body.id), 15_000, `delivery to ${item.to}`);
    expect(delivery.redelivery).toBe(false);
    expect(delivery.claims['iss']).toBe('isp-hub');
    expect(delivery.claims['aud']).toBe(item.to);
    expect(delivery.claims['type']).toBe(item.type);
    const provenance = delivery.claims['provenance'] as { sender: string; ruleIds: string[]; messageId: string };
    expect(provenance).toMatchObject({ sender: item.from, messageId: answer.body.id });
    expect(provenance.ruleIds).toContain(item.rule);

    // Every field that arrived is on the allow-list of a rule that permitted it.
    const allowed = provenance.ruleIds.flatMap((rule) => discloseLists.get(rule) ?? []);
    const arrived = [...leafPaths(delivery.claims['subject'], 'subject'), ...leafPaths(delivery.claims['body'], 'body')];
    expect(arrived.filter((leaf) => !allowed.some((entry) => covers(entry, leaf)))).toEqual([]);
    // What the rule leaves out is absent; what it names carries the sender's value.
    for (const withheld of item.withheld) expect(arrived.filter((leaf) => covers(withheld, leaf)), withheld).toEqual([]);
    for (const disclosed of item.disclosed) {
      if (disclosed.includes('[]')) continue;
      expect(valueAt(delivery.claims, disclosed), disclosed).toEqual(valueAt(original, disclosed));
      expect(valueAt(original, disclosed), `${disclosed} is in the example`).toBeDefined();
    }

    await trackUntil(sender, answer.body.id, item.to, 'delivered');
  });
});
