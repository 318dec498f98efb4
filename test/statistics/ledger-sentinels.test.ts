import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageRecordSchema, type MessageType } from '../../src/messages/index.js';
import { eraseExpiredFacts, ledgerKeys, type LedgerFact } from '../../src/statistics/index.js';
import { auditEntries, example, type ExampleMessage, type IntakeBody } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * The statistics ledger through the real intake: every message type that
 * feeds it, sent with a distinct sentinel in every free-text field the
 * schema lets us put one in (names, addresses, notes, reasons, wordings,
 * officers, establishments). Nothing but codes and days may reach the
 * ledger: no sentinel, no identifier, no date of birth, no time of day.
 */
const SENDERS: Array<[MessageType, string]> = [
  ['arrest-notification', 'nv-police'],
  ['charge-notification', 'nv-police'],
  ['court-outcome', 'nv-court'],
  ['custody-release', 'nv-prison'],
  ['ppo-status-change', 'nv-probation'],
  ['needs-referral', 'nv-probation'],
  ['risk-flag-update', 'nv-police'],
];

let sentinelCount = 0;
const sentinels: string[] = [];

/** Letters only, so a sentinel also passes the name and short-text patterns. */
function nextSentinel(): string {
  let n = sentinelCount++;
  let letters = '';
  do {
    letters = String.fromCharCode(97 + (n % 26)) + letters;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `Zqxsentinel${letters}`;
}

/** Replaces every string leaf the schema accepts a sentinel in; identifiers, codes and dates keep their format. */
function withSentinels(message: ExampleMessage): ExampleMessage {
  const schema = messageRecordSchema(message.type as MessageType);
  const record = structuredClone(message) as unknown as Record<string, unknown>;
  const visit = (holder: Record<string, unknown> | unknown[], key: string | number) => {
    const value = (holder as Record<string | number, unknown>)[key];
    if (typeof value === 'string') {
      if (key === 'type' || key === 'purpose') return;
      const candidate = nextSentinel();
      (holder as Record<string | number, unknown>)[key] = candidate;
      if (schema.safeParse(record).success) sentinels.push(candidate);
      else (holder as Record<string | number, unknown>)[key] = value;
      return;
    }
    if (Array.isArray(value)) value.forEach((_, index) => visit(value, index));
    else if (value !== null && typeof value === 'object') for (const child of Object.keys(value)) visit(value as Record<string, unknown>, child);
  };
  for (const key of Object.keys(record)) visit(record, key);
  return record as unknown as ExampleMessage;
}

describe('the statistics ledger keeps codes and days only', () => {
  let redis: TestRedis;
  let hub: TestHub;
  const identifiers = new Set<string>();
  const datesOfBirth = new Set<string>();

  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
    for (const [type, sender] of SENDERS) {
      const message = withSentinels(await example(type));
      for (const value of Object.values(message.subject['identifiers'] as Record<string, string>)) identifiers.add(value);
      datesOfBirth.add(message.subject['dateOfBirth'] as string);
      const client = await hub.client(sender);
      const sent = await client.send<IntakeBody>(message);
      expect(sent.status, `${type}: ${JSON.stringify(sent.body)}`).toBe(202);
    }
    const yot = await hub.client('nv-yot');
    await yot.query(withSentinels(await example('risk-flag-query')));
  });
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  async function ledgerFacts(): Promise<LedgerFact[]> {
    const ledger = hub.hub.parts.ledger;
    const facts: LedgerFact[] = [];
    for await (const batch of ledger.read(await ledger.position())) facts.push(...batch);
    return facts;
  }

  it('put many sentinels into the messages (the test can fail)', () => {
    expect(sentinels.length).toBeGreaterThan(40);
  });

  it('writes one fact per feeding message, with no sentinel, identifier, date of birth or time anywhere in the ledger keys', async () => {
    const facts = await ledgerFacts();
    expect(facts.map((fact) => fact.type).sort()).toEqual([...SENDERS.map(([type]) => type), 'risk-flag-query'].sort());
    const keys = ledgerKeys(hub.prefix);
    const redisOfHub = hub.hub.parts.redis;
    const months = await redisOfHub.smembers(keys.months);
    expect(months.length).toBeGreaterThan(0);
    const raw = JSON.stringify([await Promise.all(months.map((month) => redisOfHub.get(keys.month(month)))), months, await redisOfHub.hgetall(keys.written), await redisOfHub.get(keys.seq)]);
    for (const sentinel of sentinels) expect(raw).not.toContain(sentinel);
    for (const identifier of identifiers) {
      expect(raw).not.toContain(identifier);
      expect(raw.toUpperCase()).not.toContain(identifier.toUpperCase().replace(/[^A-Z0-9]/g, ''));
    }
    for (const dateOfBirth of datesOfBirth) expect(raw).not.toContain(dateOfBirth);
    for (const fact of facts) {
      expect(fact.eventDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(fact.keys.every((key) => /^[0-9a-f]{64}$/.test(key))).toBe(true);
      for (const [path, value] of Object.entries(fact.fields)) {
        expect(path.startsWith('body.')).toBe(true);
        for (const item of [value].flat()) expect(String(item)).toMatch(/^([a-z][a-z0-9-]*|\d{4}-\d{2}-\d{2}|\d+|true|false)$/);
      }
    }
    const arrest = facts.find((fact) => fact.type === 'arrest-notification')!;
    expect(arrest.fields['body.arrestedAt']).toBe(arrest.eventDate);
    // A referral is dated by the day it was made, which the example puts before the day it was sent.
    const referral = facts.find((fact) => fact.type === 'needs-referral')!;
    expect(referral.fields['body.referredOn']).toBe(referral.eventDate);
    expect(referral.eventDate < referral.notifiedDate).toBe(true);
    // A flag change by the day it was agreed.
    const flagChange = facts.find((fact) => fact.type === 'risk-flag-update')!;
    expect(flagChange.fields['body.agreedOn']).toBe(flagChange.eventDate);
    expect(flagChange.eventDate < flagChange.notifiedDate).toBe(true);
    expect(arrest.fields['body.offences[].category']).toEqual(expect.arrayContaining([expect.stringMatching(/^[a-z-]+$/)]));
  });

  it('audits each fact as a disclosure to the ledger, naming the fields it kept and withheld', async () => {
    const entries = (await auditEntries(hub)).filter((entry) => entry.recipients.includes('scheme-statistics'));
    expect(entries).toHaveLength(SENDERS.length + 1);
    for (const entry of entries) {
      expect(entry).toMatchObject({ event: 'disclosure', decision: 'permit', purpose: 'scheme-performance-statistics', outcome: 'fact-written' });
      expect(entry.ruleIds[0]).toMatch(/^st-/);
      expect(entry.legalBases).toContain('dpa-2018-s41');
      expect(entry.subjectKeys.length).toBeGreaterThan(0);
    }
    const arrest = entries.find((entry) => entry.messageType === 'arrest-notification')!;
    expect(arrest.fieldsDisclosed).toContain('body.arrestedAt');
    expect(arrest.fieldsWithheld).toEqual(expect.arrayContaining(['subject.name.given', 'body.custodySuite', 'body.arrestingOfficer.collarNumber']));
  });

  it('a victim is never counted, and an information request feeds nothing', async () => {
    const before = await hub.hub.parts.ledger.position();
    const police = await hub.client('nv-police');
    const victim = await example('arrest-notification');
    victim.subject['category'] = 'victim';
    await police.send(victim);
    const probation = await hub.client('nv-probation');
    await probation.send(await example('information-request'));
    expect(await hub.hub.parts.ledger.position()).toBe(before);
  });

  it('a retried message does not write its fact twice', async () => {
    const ledger = hub.hub.parts.ledger;
    const before = await ledger.position();
    const [fact] = (await ledgerFacts()).map((read) => JSON.parse(JSON.stringify(read)) as LedgerFact);
    expect(await ledger.append('same-message', fact!)).toBe(before + 1);
    expect(await ledger.append('same-message', fact!)).toBe(before + 1);
    expect(await ledger.position()).toBe(before + 1);
  });

  it('erases facts past their retain-until day, each with an erasure entry, and keeps the rest', async () => {
    const facts = await ledgerFacts();
    const latest = facts.map((fact) => fact.retainUntil).sort().at(-1)!;
    const sizeBefore = await hub.hub.parts.auditLog.size();
    expect(await eraseExpiredFacts({ store: hub.hub.parts.ledger, audit: hub.hub.parts.auditLog }, new Date(`${latest}T12:00:00Z`))).toBe(0);
    const dayAfter = new Date(Date.parse(`${latest}T00:00:00Z`) + 86_400_000);
    expect(await eraseExpiredFacts({ store: hub.hub.parts.ledger, audit: hub.hub.parts.auditLog }, dayAfter)).toBe(facts.length);
    expect(await ledgerFacts()).toEqual([]);
    const erasures = (await auditEntries(hub)).slice(sizeBefore).filter((entry) => entry.event === 'erasure');
    expect(erasures).toHaveLength(facts.length);
    expect(erasures[0]).toMatchObject({ agency: 'hub', purpose: 'scheme-performance-statistics', outcome: 'retention-expired', recipients: ['scheme-statistics'] });
    expect(erasures.every((entry) => entry.subjectKeys.length > 0)).toBe(true);
  });
});
