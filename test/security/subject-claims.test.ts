import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/entry.js';
import { auditEntries, example, type ExampleMessage, type IntakeBody } from '../support/e2e.js';
import { copyPolicies, startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { agencyCredentials, caller, type Caller } from './support.js';

/**
 * What an agency says about a subject, and what it may learn from how the
 * hub answers: the register's own view of a subject against the asker's
 * claim, forbids on the answer's flow, identifiers that fold to another
 * number, review dates without end, and inbox cursors. Against a real hub
 * over mutual TLS, asserting codes and the audit entries.
 *
 * Two test-only rules let probation and education ask the police about an
 * adult; the example protocol has no such rule, so without them nothing
 * could be asked that a child's annex or a forbid would need to stop.
 */
const TEST_RULES = `version: 1
rules:
  - id: t-probation-asks-police-about-adults
    effect: permit
    description: Test only - probation may ask the police whether an adult offender carries a risk flag.
    clause: "T.1"
    messageTypes: [risk-flag-query]
    from: { roles: [probation] }
    to: { roles: [police] }
    purposes: [offender-management]
    legalBases: [oma-2007-s14, dpa-2018-part3]
    dataCategories: [identity, risk-assessment]
    obligations:
      disclose: [subject, body]
      marking: OFFICIAL-SENSITIVE
      retainDays: 90
  - id: t-education-asks-police
    effect: permit
    description: Test only - education may ask the police whether a pupil carries a risk flag.
    clause: "T.2"
    messageTypes: [risk-flag-query]
    from: { roles: [education] }
    to: { roles: [police] }
    purposes: [education-support]
    legalBases: [dpa-2018-part3]
    dataCategories: [identity, risk-assessment]
    obligations:
      disclose: [subject, body]
      marking: OFFICIAL-SENSITIVE
      retainDays: 30
  - id: t-housing-asks-police
    effect: permit
    description: Test only - housing may ask the police whether a tenant carries a risk flag.
    clause: "T.4"
    messageTypes: [risk-flag-query]
    from: { roles: [housing] }
    to: { roles: [police] }
    purposes: [resettlement-housing]
    legalBases: [dpa-2018-part3]
    dataCategories: [identity, risk-assessment]
    obligations:
      disclose: [subject, body]
      marking: OFFICIAL-SENSITIVE
      retainDays: 30
  - id: t-police-flags-adults-to-probation
    effect: permit
    description: Test only - the police may set an adult offender's risk flags for probation.
    clause: "T.3"
    messageTypes: [risk-flag-update]
    from: { roles: [police] }
    to: { roles: [probation] }
    purposes: [offender-management]
    legalBases: [oma-2007-s14, dpa-2018-part3]
    dataCategories: [identity, risk-assessment]
    obligations:
      disclose: [subject, body]
      marking: OFFICIAL-SENSITIVE
      retainDays: 90
`;

interface FlagAnswer {
  body: { queryId: string; flags: Array<{ code: string; holder: { agency: string } }> };
}
interface ErrorBody {
  error: { code: string; details?: { issues?: Array<{ path: string; code: string; maxDays?: number }> } };
}

let redis: TestRedis;
let hub: TestHub;
/** The example child's flags, set by the police (child-safeguarding, to the YOT and children's services). */
let update: ExampleMessage;

beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-claims-'));
  const policyDir = await copyPolicies(dataDir, {});
  await writeFile(path.join(policyDir, 'rules', 'test-only.yaml'), TEST_RULES);
  hub = await startTestHub(redis, { policyDir });
  update = await example('risk-flag-update');
  const sent = await (await hub.client('nv-police')).send<IntakeBody>(update);
  expect(sent.status).toBe(202);
});
afterAll(async () => {
  await hub?.stop();
  await redis?.stop();
});

async function entriesAfter(before: number, match: (entry: AuditEntry) => boolean): Promise<AuditEntry[]> {
  return (await auditEntries(hub)).slice(before).filter(match);
}

/** The entry recording what a query's answer released to the asker (not the statistics ledger's fact about the question). */
const answerTo = (queryId: string) => (entry: AuditEntry) => entry.messageId === queryId && entry.event === 'disclosure' && !entry.recipients.includes('scheme-statistics');

/** The example child, as an asker might describe them: same identifiers, their own claim about age and category. */
function askAbout(overrides: Partial<ExampleMessage>, subject: Record<string, unknown>): ExampleMessage {
  return { type: 'risk-flag-query', purpose: 'offender-management', actor: { id: 'PRB-0042', role: 'probation-officer' }, body: { flagCodes: ['exploitation', 'missing-episodes'], reason: 'Sentence planning.' }, ...overrides, subject: { ...update.subject, ...subject } };
}

describe("a query is answered under the more protective of the asker's and the register's view", () => {
  it("gives an asker who claims an adult none of a child's flags, and the log records them withheld about a child", async () => {
    const before = (await auditEntries(hub)).length;
    const probation = await hub.client('nv-probation');
    const { id, answer } = await probation.query(askAbout({}, { dateOfBirth: '1990-01-01', category: 'convicted' }));
    expect((answer as unknown as FlagAnswer).body).toEqual({ queryId: id, flags: [] });
    const [entry] = await entriesAfter(before, answerTo(id));
    expect(entry).toMatchObject({ outcome: 'flags-withheld', isChild: true, agency: 'nv-probation', fieldsWithheld: ['body.flags'] });
    expect(entry?.ruleIds).toContain('t-probation-asks-police-about-adults');
    expect(entry?.reason).toContain('a child');
  });

  it("still answers an adult's flags to the same asker: the rule permits, only the register's view of the child held those back", async () => {
    const adult = { identifiers: { pnc: '17/0345678V' }, name: { given: 'Casey', family: 'Placeholder' }, dateOfBirth: '1990-01-01', category: 'convicted' };
    const set = await (await hub.client('nv-police')).send<IntakeBody>({ ...update, purpose: 'offender-management', subject: adult, to: ['nv-probation'] });
    expect(set.body.recipients).toEqual([{ agency: 'nv-probation', status: 'queued' }]);
    const { answer } = await (await hub.client('nv-probation')).query(askAbout({}, adult));
    expect((answer as unknown as FlagAnswer).body.flags.map((flag) => [flag.code, flag.holder.agency])).toEqual([
      ['exploitation', 'nv-police'],
      ['missing-episodes', 'nv-police'],
    ]);
  });

  it("records a disclosure about a child as one, when a panel partner's question gives an adult's date of birth", async () => {
    const before = (await auditEntries(hub)).length;
    const yot = await hub.client('nv-yot');
    const query = await example('risk-flag-query');
    const { id, answer } = await yot.query({ ...query, subject: { ...query.subject, dateOfBirth: '1990-01-01' } });
    // The children's annex permits this question for a child too, so the flags are answered ...
    expect((answer as unknown as FlagAnswer).body.flags.map((flag) => flag.code).sort()).toEqual(['exploitation', 'missing-episodes']);
    // ... and the log counts it among disclosures about children, whatever the asker claimed.
    const [entry] = await entriesAfter(before, answerTo(id));
    expect(entry).toMatchObject({ outcome: 'flags-disclosed', isChild: true });
  });

  it("gives an asker who calls a victim an offender none of the victim's flags: the forbid on victims' records to housing holds", async () => {
    const victim = { identifiers: { pnc: '99/123456X' }, name: { given: 'Drew', family: 'Placeholder' }, dateOfBirth: '1985-06-01', category: 'victim' };
    const set = await (await hub.client('nv-police')).send<IntakeBody>({ ...update, purpose: 'offender-management', subject: victim, to: ['nv-probation'] });
    expect(set.body.recipients).toEqual([{ agency: 'nv-probation', status: 'queued' }]);
    const before = (await auditEntries(hub)).length;
    const housing = await hub.client('nv-housing');
    const { id, answer } = await housing.query(askAbout({ purpose: 'resettlement-housing', actor: { id: 'HSG-0031', role: 'housing-officer' } }, { ...victim, category: 'convicted' }));
    expect((answer as unknown as FlagAnswer).body).toEqual({ queryId: id, flags: [] });
    const [entry] = await entriesAfter(before, answerTo(id));
    expect(entry).toMatchObject({ outcome: 'flags-withheld', isChild: false, fieldsWithheld: ['body.flags'] });
    expect(entry?.ruleIds).toContain('f-victims-and-witnesses-not-to-services');
  });

  it("refuses education's question: the answer would flow to education, which a forbid scoped to: education refuses", async () => {
    const before = (await auditEntries(hub)).length;
    const education = await hub.client('nv-education');
    const { id, answer } = await education.query(askAbout({ purpose: 'education-support', actor: { id: 'EDU-0007', role: 'inclusion-officer' } }, { dateOfBirth: '1990-01-01', category: 'convicted' }));
    expect((answer as unknown as FlagAnswer).body).toEqual({ queryId: id, flags: [] });
    const [entry] = await entriesAfter(before, (candidate) => candidate.messageId === id);
    expect(entry).toMatchObject({ event: 'refusal', decision: 'deny', outcome: 'query-not-permitted' });
    expect(entry?.ruleIds).toContain('f-education-no-risk-flags');
  });
});

describe('review dates and identifiers that would outlive or escape the register', () => {
  it("refuses a child's flag with a review date of 9999-12-31 (review_date_too_far), audited as collected and refused", async () => {
    const flags = (update.body as { flags: Array<Record<string, unknown>> }).flags.map((flag) => ({ ...flag, reviewDate: '9999-12-31' }));
    const before = (await auditEntries(hub)).length;
    const refused = await (await hub.client('nv-police')).send<ErrorBody>({ ...update, body: { ...update.body, flags } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('MESSAGE_INVALID');
    expect(refused.body.error.details?.issues).toEqual([
      { path: 'body.flags[0].reviewDate', code: 'review_date_too_far', maxDays: 183 },
      { path: 'body.flags[1].reviewDate', code: 'review_date_too_far', maxDays: 183 },
    ]);
    const entries = await entriesAfter(before, (entry) => entry.messageType === 'risk-flag-update');
    expect(entries.map((entry) => [entry.event, entry.outcome])).toEqual([
      ['collection', 'accepted'],
      ['refusal', 'MESSAGE_INVALID'],
    ]);
  });

  it.each([
    ['a PNC with a no-break space', 'pnc', '24/0061234Y\u00a0'],
    ['a PNC with an ideographic space', 'pnc', '24/\u30000061234Y'],
    ['a CRO SF number with a long s for its S', 'cro', '\u017fF83/50058Z'],
  ])('refuses %s (SUBJECT_IDENTIFIER_INVALID, issue characters), audited as a refusal', async (_what, kind, value) => {
    const arrest = await example('arrest-notification');
    const identifiers = { ...(arrest.subject['identifiers'] as Record<string, string>), [kind]: value };
    const before = (await auditEntries(hub)).length;
    const refused = await (await hub.client('nv-police')).send<ErrorBody>({ ...arrest, subject: { ...arrest.subject, identifiers } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('SUBJECT_IDENTIFIER_INVALID');
    expect(refused.body.error.details?.issues).toEqual([{ path: `subject.identifiers.${kind}`, code: 'characters' }]);
    const entries = await entriesAfter(before, (entry) => entry.agency === 'nv-police' && entry.event === 'refusal');
    expect(entries.map((entry) => entry.outcome)).toEqual(['SUBJECT_IDENTIFIER_INVALID']);
  });
});

describe('inbox cursors', () => {
  let probation: Caller;
  let housing: Caller;
  beforeAll(async () => {
    probation = await caller(hub.url, await agencyCredentials('nv-probation'));
    housing = await caller(hub.url, await agencyCredentials('nv-housing'));
  });
  afterAll(() => {
    probation?.close();
    housing?.close();
  });

  it("gives a cursor that reads as nothing and that another agency cannot use (400 BAD_REQUEST, nothing collected)", async () => {
    const police = await hub.client('nv-police');
    const arrest = await example('arrest-notification');
    for (let i = 0; i < 2; i++) expect((await police.send({ ...arrest, to: ['nv-probation'] })).status).toBe(202);
    let cursor: string | undefined;
    const deadline = Date.now() + 15_000;
    while (!cursor) {
      const page = JSON.parse((await probation.send('GET', '/v1/inbox?limit=1')).text) as { nextCursor?: string };
      cursor = page.nextCursor;
      if (!cursor && Date.now() > deadline) throw new Error('probation inbox did not fill in time');
      if (!cursor) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toMatch(/i1\.\d/);

    const before = (await auditEntries(hub)).length;
    const refused = await housing.send('GET', `/v1/inbox?limit=1&cursor=${cursor}`);
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('BAD_REQUEST');
    expect(await entriesAfter(before, (entry) => entry.agency === 'nv-housing' && entry.event === 'collected')).toEqual([]);
    // Probation's own cursor still leads on.
    expect((await probation.send('GET', `/v1/inbox?limit=1&cursor=${cursor}`)).status).toBe(200);
  });
});
