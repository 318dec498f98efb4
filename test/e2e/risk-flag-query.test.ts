import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, sharingEntries, example, type ExampleMessage, type IntakeBody } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, whileRedisRefuses, type TestRedis } from '../support/redis.js';

/**
 * Risk-flag queries: a risk-flag-update sets flags in the
 * hub's register; a permitted asker gets them, minimised, with the holding
 * agency to contact; an asker no rule permits gets an answer of exactly the
 * same shape as "nothing held" - and the audit log records which it was
 * (a `consultation` then a `disclosure`, vs a `refusal`).
 */
interface FlagAnswer {
  type: string;
  aud: string;
  body: { queryId: string; flags: Array<{ code: string; level: string; reviewDate: string; holder: { agency: string; name: string; contact: { name: string; email: string } } }> };
}

/** The answer's structure with every value blanked: what an asker can tell two answers apart by. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]));
  return typeof value;
}

describe('risk-flag queries end to end', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let update: ExampleMessage;

  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
    const police = await hub.client('nv-police');
    update = await example('risk-flag-update');
    const sent = await police.send<IntakeBody>(update);
    expect(sent.status).toBe(202);
    expect(sent.body.recipients).toEqual([
      { agency: 'nv-yot', status: 'queued' },
      { agency: 'nv-childrens', status: 'queued' },
    ]);
  });
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  /** The review date the update set for a flag: the example's, moved to today by example(). */
  function reviewDateSet(code: string): string {
    const reviewDate = (update.body as { flags: Array<{ code: string; reviewDate: string }> }).flags.find((flag) => flag.code === code)?.reviewDate;
    expect(reviewDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    return reviewDate as string;
  }

  it('answers a permitted asker with the flags held, minimised, naming the holding agency to contact', async () => {
    const yot = await hub.client('nv-yot');
    const { id, answer } = await yot.query(await example('risk-flag-query'));
    const claims = answer as unknown as FlagAnswer;
    expect(claims.type).toBe('risk-flag-answer');
    expect(claims.aud).toBe('nv-yot');
    expect(claims.body.queryId).toBe(id);
    const byCode = Object.fromEntries(claims.body.flags.map((flag) => [flag.code, flag]));
    expect(Object.keys(byCode).sort()).toEqual(['exploitation', 'missing-episodes']);
    expect(byCode['exploitation']).toEqual({
      code: 'exploitation',
      level: 'high',
      reviewDate: reviewDateSet('exploitation'),
      holder: { agency: 'nv-police', name: 'Northvale Constabulary', contact: { name: 'PPO Designated Police Officer', email: 'ppo.dpo@police.northvale.example' } },
    });
    // The register keeps the panel's note to itself; the answer carries no subject.
    expect(JSON.stringify(answer)).not.toContain('criminal exploitation');
    expect(answer['subject']).toBeUndefined();

    // The reading is recorded before the register is read, the disclosure before the answer is sealed.
    const trail = (await sharingEntries(hub)).filter((candidate) => candidate.messageId === id);
    expect(trail.map((candidate) => [candidate.event, candidate.outcome])).toEqual([
      ['consultation', 'register-consulted'],
      ['disclosure', 'flags-disclosed'],
    ]);
    expect(trail[0]!.seq).toBeLessThan(trail[1]!.seq);
    const entry = trail[1];
    expect(entry).toMatchObject({ event: 'disclosure', decision: 'permit', agency: 'nv-yot', recipients: ['nv-yot'], isChild: true });
    expect(entry!.ruleIds).toContain('pd-risk-flag-query-between-panel-partners');
    expect(entry!.fieldsDisclosed.some((field) => field.startsWith('body.flags'))).toBe(true);
  });

  it("records each register change as an alteration carrying the permitting rule and its legal bases", async () => {
    const alterations = (await sharingEntries(hub)).filter((candidate) => candidate.event === 'alteration');
    expect(alterations.map((candidate) => candidate.outcome)).toEqual(['flag-set', 'flag-set']);
    for (const alteration of alterations) {
      expect(alteration).toMatchObject({ agency: 'nv-police', messageType: 'risk-flag-update', purpose: 'child-safeguarding', isChild: true, ruleIds: ['pd-risk-flags-between-panel-partners'] });
      expect(alteration.legalBases).toEqual(expect.arrayContaining(['ca-2004-s11', 'dpa-2018-sch1-safeguarding']));
      expect(alteration.policyVersion).toMatch(/^[0-9a-f]{8,64}$/);
      expect(JSON.stringify(alteration)).not.toContain('exploitation');
    }
  });

  it('gives "not permitted" and "nothing held" the same answer, audited as a refusal and as a consultation disclosing nothing', async () => {
    const query = await example('risk-flag-query');
    // Housing may not ask at all: refused before the register is read.
    const housing = await hub.client('nv-housing');
    const refused = await housing.query({ ...query, purpose: 'resettlement-housing' });
    // The YOT may ask, about a child nobody has flagged.
    const yot = await hub.client('nv-yot');
    const unflagged = { ...query, subject: { ...query.subject, identifiers: { localChildId: 'NV-C-000999' }, name: { given: 'Riley', family: 'Exampleton' } } };
    const nothing = await yot.query(unflagged);
    // The YOT asking for a purpose the children's annex does not allow is refused too.
    const wrongPurpose = await yot.query({ ...query, purpose: 'catch-and-convict' });

    for (const result of [refused, nothing, wrongPurpose]) {
      expect((result.answer as unknown as FlagAnswer).body).toEqual({ queryId: result.id, flags: [] });
    }
    const strip = (claims: Record<string, unknown>) => shapeOf({ ...claims, aud: undefined });
    expect(strip(refused.answer)).toEqual(strip(nothing.answer));
    expect(strip(wrongPurpose.answer)).toEqual(strip(nothing.answer));

    const entries = await sharingEntries(hub);
    const entryFor = (queryId: string) => entries.filter((candidate) => candidate.messageId === queryId);
    expect(entryFor(refused.id)).toEqual([expect.objectContaining({ event: 'refusal', decision: 'deny', agency: 'nv-housing', outcome: 'query-not-permitted' })]);
    expect(entryFor(wrongPurpose.id)).toEqual([expect.objectContaining({ event: 'refusal', decision: 'deny', agency: 'nv-yot', outcome: 'query-not-permitted' })]);
    expect(entryFor(nothing.id)).toEqual([
      expect.objectContaining({ event: 'consultation', decision: 'permit', agency: 'nv-yot', outcome: 'register-consulted' }),
      expect.objectContaining({ event: 'disclosure', decision: 'permit', agency: 'nv-yot', outcome: 'nothing-held', fieldsDisclosed: [] }),
    ]);
  });

  it('keeps out of the register a flag update no rule let the sender share, so no later query discloses it', async () => {
    const update = await example('risk-flag-update');
    const otherChild = { ...update.subject, identifiers: { localChildId: 'NV-C-000456' }, name: { given: 'Casey', family: 'Placeholder' } };
    // Catch and Convict is not a purpose the panel rule (or the children's annex) allows.
    const refused = await (await hub.client('nv-police')).send<IntakeBody>({ ...update, purpose: 'catch-and-convict', subject: otherChild });
    expect(refused.body.recipients.map((recipient) => recipient.status)).toEqual(['denied', 'denied']);
    const query = await example('risk-flag-query');
    const { id, answer } = await (await hub.client('nv-yot')).query({ ...query, subject: otherChild });
    expect((answer as unknown as FlagAnswer).body).toEqual({ queryId: id, flags: [] });
    const entries = await sharingEntries(hub);
    expect(entries.filter((entry) => entry.messageId === refused.body.id).map((entry) => entry.event)).toEqual(['collection', 'refusal', 'refusal']);
    expect(entries.find((entry) => entry.messageId === id && entry.event === 'disclosure')).toMatchObject({ outcome: 'nothing-held' });
  });

  it('refuses a flag set with a review date already passed (422, audited, register unchanged)', async () => {
    const update = await example('risk-flag-update');
    const otherChild = { ...update.subject, identifiers: { localChildId: 'NV-C-000789' }, name: { given: 'Robin', family: 'Placeholder' } };
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const flags = (update.body as { flags: Array<Record<string, unknown>> }).flags.map((flag, position) => (position === 1 ? { ...flag, reviewDate: yesterday } : flag));
    const police = await hub.client('nv-police');
    const before = (await sharingEntries(hub)).length;
    const refused = await police.send<{ error: { code: string; details: { issues: unknown[] } } }>({ ...update, subject: otherChild, body: { ...update.body, flags } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('MESSAGE_INVALID');
    expect(refused.body.error.details.issues).toEqual([{ path: 'body.flags[1].reviewDate', code: 'review_date_passed' }]);
    // Collected, then refused whole; other entries (deliveries still settling) may land beside them.
    const entries = (await sharingEntries(hub)).slice(before).filter((entry) => entry.messageType === 'risk-flag-update');
    expect(entries.map((entry) => [entry.event, entry.outcome])).toEqual([
      ['collection', 'accepted'],
      ['refusal', 'MESSAGE_INVALID'],
    ]);

    const query = await example('risk-flag-query');
    const { id, answer } = await (await hub.client('nv-yot')).query({ ...query, subject: otherChild });
    expect((answer as unknown as FlagAnswer).body).toEqual({ queryId: id, flags: [] });
  });

  it('answers a replayed query afresh under the same id, audited again, and other bytes under the same jti with 409', async () => {
    const yot = await hub.client('nv-yot');
    const query = await example('risk-flag-query');
    const { jwe } = await yot.sealForHub(query, 'query-jti-0001');
    const first = await yot.request('POST', '/v1/queries', jwe);
    const again = await yot.request('POST', '/v1/queries', jwe);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    const id = (JSON.parse(first.body.toString()) as { id: string }).id;
    expect((JSON.parse(again.body.toString()) as { id: string }).id).toBe(id);
    // The replay record keeps a hash of the answer, not the answer: the retry reads the register and
    // releases the answer again, so it is a second consultation and a second disclosure.
    // The statistics count the question once.
    const trail = (await auditEntries(hub)).filter((entry) => entry.messageId === id);
    const toAsker = trail.filter((entry) => !entry.recipients.includes('scheme-statistics')).map((entry) => entry.event);
    expect(toAsker).toEqual(['consultation', 'disclosure', 'consultation', 'disclosure']);
    expect(trail.filter((entry) => entry.recipients.includes('scheme-statistics'))).toHaveLength(1);
    const { jwe: other } = await yot.sealForHub({ ...query, purpose: 'child-safeguarding' }, 'query-jti-0001');
    const conflict = await yot.request('POST', '/v1/queries', other);
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.body.toString()).error.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('applies a retried update once: a flag a later message cleared stays cleared, and its alterations are written once', async () => {
    const police = await hub.client('nv-police');
    const update = await example('risk-flag-update');
    const otherChild = { ...update.subject, identifiers: { localChildId: 'NV-C-000321' }, name: { given: 'Sam', family: 'Placeholder' } };
    const { jwe } = await police.sealForHub({ ...update, subject: otherChild }, 'flag-update-retried-0001');
    // Delivery jobs (BullMQ) need XADD; the register change and its alteration entries, made before, do not:
    // the first try fails after changing the register, and the sender retries it later.
    const admin = redis.connect();
    const failed = await whileRedisRefuses(admin, 'xadd', () => police.request('POST', '/v1/messages', jwe));
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.body.toString()).error.code).toBe('UNAVAILABLE');

    // A clear carries the flag's level and review date as a set does (the message schema asks for both).
    const clears = (update.body as { flags: Array<Record<string, unknown>> }).flags.map(({ note: _note, ...flag }) => ({ ...flag, action: 'clear' }));
    const cleared = await police.send<IntakeBody>({ ...update, subject: otherChild, body: { ...update.body, flags: clears } });
    expect(cleared.status).toBe(202);
    const retried = await police.request('POST', '/v1/messages', jwe);
    expect(retried.status).toBe(202);
    const { id } = JSON.parse(retried.body.toString()) as IntakeBody;

    const query = await example('risk-flag-query');
    const { id: queryId, answer } = await (await hub.client('nv-yot')).query({ ...query, subject: otherChild });
    expect((answer as unknown as FlagAnswer).body).toEqual({ queryId, flags: [] });
    const alterations = (await sharingEntries(hub)).filter((entry) => entry.event === 'alteration' && [id, cleared.body.id].includes(entry.messageId as string));
    expect(alterations.map((entry) => [entry.messageId, entry.outcome])).toEqual([
      [id, 'flag-set'],
      [id, 'flag-set'],
      [cleared.body.id, 'flag-cleared'],
      [cleared.body.id, 'flag-cleared'],
    ]);
  });
});
