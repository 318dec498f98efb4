import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import type { AuditEntry, AuditEntryInput } from '../entry.js';
import { createSubjectKeyer } from '../subject-keys.js';
import { createTestSigner } from '../test-signer.js';
import { createAuditLog } from '../index.js';
import { createAuditSearch, type AuditLogPort } from './index.js';
import { decodeCursor, encodeCursor, type AuditFilter, type SearchScope } from './query.js';
import { seeded } from '../../test-seeded-random.js';

/**
 * Search, paging, scope and audit-read entries against a real redis-server.
 * Expected results come from an oracle: the same filter applied in plain
 * JavaScript to every entry the log returned on append.
 */

const secret = Buffer.alloc(32, 7);
const keyer = createSubjectKeyer(secret);
const dpo = { id: 'dpo-0001', role: 'data-protection-officer' };
const scheme: SearchScope = { kind: 'scheme' };

const SUBJECTS = [
  { kind: 'pnc', value: '2021/0000001Z' },
  { kind: 'pnc', value: '2021/0000002A' },
  { kind: 'crn', value: 'X000101' },
  { kind: 'localChildId', value: 'NV-CHILD-0007' },
  { kind: 'prisonNumber', value: 'A0001AA' },
];
const AGENCIES = ['nv-police', 'nv-probation', 'nv-yot', 'nv-prison', 'nv-childrens'];
const PURPOSES = ['ppo-offender-management', 'prevent-and-deter', 'safeguarding-children'];
const EVENTS = ['collection', 'disclosure', 'refusal', 'consultation', 'delivered'] as const;

function fixtureInputs(count: number, seed: number): AuditEntryInput[] {
  const next = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return Array.from({ length: count }, () => {
    const agency = pick(AGENCIES);
    const event = pick(EVENTS);
    const recipients = event === 'collection' ? [] : [pick(AGENCIES.filter((id) => id !== agency))];
    const subjects = next() < 0.15 ? [] : next() < 0.2 ? [pick(SUBJECTS), pick(SUBJECTS)] : [pick(SUBJECTS)];
    return {
      event,
      agency,
      actor: { id: `staff-${Math.floor(next() * 4)}`, role: 'case-officer' },
      subjectKeys: [...new Set(subjects.map(keyer))],
      purpose: pick(PURPOSES),
      legalBases: ['cda-1998-s115'],
      ruleIds: ['ppo-arrest-to-probation'],
      decision: event === 'refusal' ? 'deny' : event === 'collection' ? undefined : 'permit',
      fieldsDisclosed: event === 'disclosure' ? ['body.offence.code', 'subject.identifiers.pnc'] : [],
      recipients,
      outcome: event === 'refusal' ? 'denied' : 'queued',
    };
  });
}

function matches(entry: AuditEntry, filter: AuditFilter, scope: SearchScope): boolean {
  const involves = (agency: string) => entry.agency === agency || entry.recipients.includes(agency);
  if (scope.kind === 'agency' && !involves(scope.agencyId)) return false;
  if (filter.subject && !entry.subjectKeys.includes(keyer(filter.subject))) return false;
  if (filter.agency && !involves(filter.agency)) return false;
  if (filter.actor && (entry.agency !== filter.actor.agency || entry.actor?.id !== filter.actor.id)) return false;
  if (filter.purpose && entry.purpose !== filter.purpose) return false;
  if (filter.event && entry.event !== filter.event) return false;
  if (filter.decision && entry.decision !== filter.decision) return false;
  const time = Date.parse(entry.time);
  if (filter.from && time < Date.parse(filter.from)) return false;
  if (filter.to && time > Date.parse(filter.to)) return false;
  return true;
}

let redisServer: TestRedis;
let redis: Redis;

beforeAll(async () => {
  redisServer = await startTestRedis();
  redis = redisServer.connect();
});
afterAll(async () => {
  await redisServer.stop();
});

/** A log with the fixture appended; its clock moves one second per entry. */
async function seededLog(count: number, seed: number) {
  const prefix = redisServer.newPrefix();
  let clock = Date.parse('2026-03-01T09:00:00.000Z');
  const log = createAuditLog({ redis, prefix, clock: () => new Date((clock += 1000)) });
  const entries: AuditEntry[] = [];
  for (const input of fixtureInputs(count, seed)) entries.push(await log.append(input));
  const readsBefore = await log.size();
  return { prefix, log, entries, readsBefore };
}

function searchFor(log: AuditLogPort, prefix: string, options: { scanBudget?: number; timeDriverMax?: number } = {}) {
  return createAuditSearch({ redis, prefix, auditLog: log, subjectKeyer: keyer, ...options });
}

async function collectAll(search: ReturnType<typeof searchFor>, filter: AuditFilter, scope: SearchScope, limit: number) {
  const seen: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await search.search({ ...filter, limit, ...(cursor ? { cursor } : {}) }, scope, dpo);
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    seen.push(...page.entries.map((entry) => entry.seq));
    cursor = page.nextCursor;
    pages += 1;
    if (pages > 1000) throw new Error('paging did not end');
  } while (cursor);
  return { seqs: seen, pages };
}

const expectedSeqs = (entries: AuditEntry[], filter: AuditFilter, scope: SearchScope) =>
  entries.filter((entry) => matches(entry, filter, scope)).map((entry) => entry.seq).sort((a, b) => b - a);

/**
 * Everything in the log right now: searches append audit-read entries, so
 * the oracle must look at the log as the next search will see it.
 */
async function snapshot(log: AuditLogPort & { size(): Promise<number> }): Promise<AuditEntry[]> {
  const size = await log.size();
  return log.getEntries(Array.from({ length: size }, (_, seq) => seq));
}

describe('audit search filters', () => {
  let fixture: Awaited<ReturnType<typeof seededLog>>;
  beforeAll(async () => {
    fixture = await seededLog(240, 42);
  });

  const at = (index: number) => fixture.entries[index]!.time;
  const filters: Array<[string, () => AuditFilter]> = [
    ['subject', () => ({ subject: SUBJECTS[0]! })],
    ['subject written differently (normalised the same way as the log)', () => ({ subject: { kind: 'crn', value: ' x000 101 ' } })],
    ['agency (acting or recipient)', () => ({ agency: 'nv-yot' })],
    ['actor', () => ({ actor: { agency: 'nv-police', id: 'staff-1' } })],
    ['purpose', () => ({ purpose: 'prevent-and-deter' })],
    ['event', () => ({ event: 'refusal' })],
    ['decision', () => ({ decision: 'permit' })],
    ['time range', () => ({ from: at(40), to: at(90) })],
    ['time range with an offset', () => ({ from: at(40).replace('Z', '+00:00'), to: at(41).replace('Z', '+00:00') })],
    ['only from', () => ({ from: at(200) })],
    ['subject + event', () => ({ subject: SUBJECTS[1]!, event: 'disclosure' })],
    ['agency + purpose + decision', () => ({ agency: 'nv-probation', purpose: 'ppo-offender-management', decision: 'permit' })],
    ['subject + agency + time', () => ({ subject: SUBJECTS[2]!, agency: 'nv-police', from: at(20), to: at(220) })],
    ['actor + event + time', () => ({ actor: { agency: 'nv-prison', id: 'staff-2' }, event: 'collection', to: at(150) })],
    ['no filter at all', () => ({})],
    ['a subject nobody logged', () => ({ subject: { kind: 'pnc', value: '1999/9999999Q' } })],
    ['a time range with no entries', () => ({ from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' })],
  ];

  for (const [name, build] of filters) {
    it(`filters by ${name}, newest first`, async () => {
      const filter = build();
      const search = searchFor(fixture.log, fixture.prefix);
      const expected = expectedSeqs(await snapshot(fixture.log), filter, scheme);
      const page = await search.search({ ...filter, limit: 500 }, scheme, dpo);
      expect(page.entries.map((entry) => entry.seq)).toEqual(expected);
      expect(page.nextCursor).toBeUndefined();
    });
  }

  it('has non-trivial expectations (the fixture exercises every filter)', () => {
    for (const [, build] of filters.slice(0, 14)) expect(expectedSeqs(fixture.entries, build(), scheme).length).toBeGreaterThan(0);
  });

  it('refuses a limit above 500, an unknown filter and from after to with BAD_REQUEST', async () => {
    const search = searchFor(fixture.log, fixture.prefix);
    await expect(search.search({ limit: 501 }, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(search.search({ name: 'Alex Testperson' }, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(search.search({ from: at(10), to: at(5) }, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(search.search({}, { kind: 'agency' }, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(search.search({}, scheme, { id: 'dpo-0001' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses a cursor it did not issue with AUDIT_CURSOR_INVALID', async () => {
    const search = searchFor(fixture.log, fixture.prefix);
    const bad = ['not a cursor!', Buffer.from('{"before":-1}').toString('base64url'), Buffer.from('[1]').toString('base64url'), 'e30', Buffer.from('{"before":1.5}').toString('base64url'), 'AAAA'];
    for (const cursor of bad) {
      await expect(search.search({ cursor }, scheme, dpo)).rejects.toMatchObject({ code: 'AUDIT_CURSOR_INVALID' });
    }
    expect(decodeCursor(encodeCursor(17))).toBe(17);
  });
});

describe('paging with a cursor', () => {
  let fixture: Awaited<ReturnType<typeof seededLog>>;
  beforeAll(async () => {
    fixture = await seededLog(300, 7);
  });

  const cases: Array<[string, AuditFilter, SearchScope, { scanBudget?: number; timeDriverMax?: number }]> = [
    ['no filter', {}, scheme, {}],
    ['a subject', { subject: SUBJECTS[0]! }, scheme, {}],
    ['agency + event', { agency: 'nv-police', event: 'disclosure' }, scheme, {}],
    ['a sparse intersection with a tiny scan budget (short pages)', { agency: 'nv-yot', purpose: 'safeguarding-children', event: 'refusal' }, scheme, { scanBudget: 5 }],
    ['a time range that drives the walk', { from: '2026-03-01T09:00:50.000Z', to: '2026-03-01T09:03:20.000Z' }, scheme, {}],
    ['a time range walked by seq (time driver disabled)', { from: '2026-03-01T09:00:50.000Z', to: '2026-03-01T09:03:20.000Z' }, scheme, { timeDriverMax: 0, scanBudget: 17 }],
    ['a time range + agency driven by time', { agency: 'nv-probation', from: '2026-03-01T09:01:00.000Z' }, scheme, { timeDriverMax: 1_000_000 }],
    ['agency scope', {}, { kind: 'agency', agencyId: 'nv-childrens' }, {}],
    ['agency scope + subject', { subject: SUBJECTS[3]! }, { kind: 'agency', agencyId: 'nv-yot' }, { scanBudget: 3 }],
  ];

  for (const [name, filter, scope, options] of cases) {
    for (const limit of [1, 7, 500]) {
      it(`${name}, ${limit} a page: every match exactly once, in order`, async () => {
        const search = searchFor(fixture.log, fixture.prefix, options);
        const expected = expectedSeqs(await snapshot(fixture.log), filter, scope);
        const { seqs } = await collectAll(search, filter, scope, limit);
        expect(expected.length).toBeGreaterThan(0);
        expect(seqs).toEqual(expected);
      });
    }
  }

  it('a page is not shifted by entries appended after the first page was read', async () => {
    const search = searchFor(fixture.log, fixture.prefix);
    const filter: AuditFilter = { subject: SUBJECTS[1]! };
    const expected = expectedSeqs(await snapshot(fixture.log), filter, scheme);
    const first = await search.search({ ...filter, limit: 3 }, scheme, dpo);
    const added = await fixture.log.append({ event: 'disclosure', agency: 'nv-police', subjectKeys: [keyer(SUBJECTS[1]!)], recipients: ['nv-yot'] });
    const second = await search.search({ ...filter, limit: 500, cursor: first.nextCursor! }, scheme, dpo);
    const all = [...first.entries, ...second.entries].map((entry) => entry.seq);
    expect(all).toEqual(expected);
    expect(all).not.toContain(added.seq);
    // A fresh search (no cursor) does see it, first.
    expect((await search.search({ ...filter, limit: 1 }, scheme, dpo)).entries[0]!.seq).toBe(added.seq);
  });
});

describe('least privilege: an agency DPO sees only its own agency', () => {
  let fixture: Awaited<ReturnType<typeof seededLog>>;
  beforeAll(async () => {
    fixture = await seededLog(160, 99);
  });
  const yot: SearchScope = { kind: 'agency', agencyId: 'nv-yot' };

  it('search never returns an entry the agency neither made nor received, even filtered by another agency', async () => {
    const search = searchFor(fixture.log, fixture.prefix);
    for (const filter of [{}, { agency: 'nv-police' }, { subject: SUBJECTS[0]! }, { event: 'disclosure' as const }]) {
      const logged = await snapshot(fixture.log);
      const { seqs } = await collectAll(search, filter, yot, 50);
      expect(seqs).toEqual(expectedSeqs(logged, filter, yot));
      for (const seq of seqs) {
        const entry = logged[seq]!;
        expect(entry.agency === 'nv-yot' || entry.recipients.includes('nv-yot')).toBe(true);
      }
    }
    // The police-only entries exist, so the scope really removed something.
    expect(expectedSeqs(fixture.entries, { agency: 'nv-police' }, scheme).length).toBeGreaterThan(expectedSeqs(fixture.entries, { agency: 'nv-police' }, yot).length);
  });

  it('an entry of another agency looks exactly like a missing one (AUDIT_NOT_FOUND)', async () => {
    const search = searchFor(fixture.log, fixture.prefix);
    const foreign = fixture.entries.find((entry) => entry.agency !== 'nv-yot' && !entry.recipients.includes('nv-yot'))!;
    const own = fixture.entries.find((entry) => entry.agency === 'nv-yot')!;
    await expect(search.viewEntry(foreign.seq, yot, dpo)).rejects.toMatchObject({ code: 'AUDIT_NOT_FOUND' });
    await expect(search.viewEntry(999_999, yot, dpo)).rejects.toMatchObject({ code: 'AUDIT_NOT_FOUND' });
    for (const bad of [-1, 1.5, '', ' 1', '0x10', '1e3', null]) {
      await expect(search.viewEntry(bad, yot, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(await search.viewEntry(String(own.seq), yot, dpo)).toEqual(own);
    expect(await search.viewEntry(own.seq, yot, dpo)).toEqual(own);
    expect(await search.viewEntry(foreign.seq, scheme, dpo)).toEqual(foreign);
  });

  it('exports hold only the agency’s entries', async () => {
    const search = searchFor(fixture.log, fixture.prefix);
    const expected = expectedSeqs(await snapshot(fixture.log), {}, yot);
    const lines: string[] = [];
    for await (const line of await search.openExport('jsonl', {}, yot, dpo)) lines.push(line);
    const seqs = lines.map((line) => (JSON.parse(line) as AuditEntry).seq);
    expect(seqs).toEqual(expected);
  });

  it('the subject report holds only the agency’s entries', async () => {
    const search = searchFor(fixture.log, fixture.prefix);
    const subject = SUBJECTS[0]!;
    const report = await search.subjectReport(subject, yot, dpo);
    const reported = [...report.disclosures, ...report.refusals, ...report.otherActivity].map((item) => item.seq).sort((a, b) => b - a);
    expect(reported).toEqual(expectedSeqs(fixture.entries, { subject }, yot));
    const all = await search.subjectReport(subject, scheme, dpo);
    expect(all.disclosures.length + all.refusals.length + all.otherActivity.length).toBeGreaterThan(reported.length);
  });
});

describe('every read of the log is itself logged (audit-read)', () => {
  it('search, view, export and subject report each append one audit-read entry naming the DPO, in codes only', async () => {
    const fixture = await seededLog(30, 5);
    const search = searchFor(fixture.log, fixture.prefix);
    const scope: SearchScope = { kind: 'agency', agencyId: 'nv-police' };
    const subject = { kind: 'pnc', value: '2021/0000001Z' };
    const subjectKey = keyer(subject);
    const ownSeq = fixture.entries.find((entry) => entry.agency === 'nv-police')!.seq;

    await search.search({ subject, event: 'disclosure', limit: 10 }, scope, dpo);
    await search.viewEntry(ownSeq, scope, dpo);
    for await (const chunk of await search.openExport('csv', { subject }, scheme, dpo)) void chunk;
    await search.subjectReport(subject, scope, dpo);
    await search.subjectReportCsv(subject, scheme, dpo);

    const size = await fixture.log.size();
    expect(size).toBe(fixture.readsBefore + 5);
    const reads = await fixture.log.getEntries([0, 1, 2, 3, 4].map((offset) => fixture.readsBefore + offset));
    expect(reads.map((entry) => [entry.event, entry.agency, entry.outcome])).toEqual([
      ['audit-read', 'nv-police', 'search'],
      ['audit-read', 'nv-police', 'view'],
      ['audit-read', 'hub', 'export-csv'],
      ['audit-read', 'nv-police', 'subject-report'],
      ['audit-read', 'hub', 'subject-report-csv'],
    ]);
    for (const entry of reads) {
      expect(entry.actor).toEqual(dpo);
      expect(entry.subjectKeys).toEqual([]);
      expect(entry.reason).not.toContain('2021/0000001Z');
      expect(entry.reason).not.toContain('0000001');
    }
    expect(reads[0]!.reason).toContain(`subject-key=${subjectKey}`);
    expect(reads[0]!.reason).toContain('event=disclosure');
    expect(reads[1]!.reason).toContain(`seq ${ownSeq}`);
  });

  it('a refused view is logged too, and a search that cannot be logged returns nothing', async () => {
    const fixture = await seededLog(10, 6);
    const search = searchFor(fixture.log, fixture.prefix);
    await expect(search.viewEntry(5_000, scheme, dpo)).rejects.toMatchObject({ code: 'AUDIT_NOT_FOUND' });
    const [read] = await fixture.log.getEntries([fixture.readsBefore]);
    expect(read).toMatchObject({ event: 'audit-read', outcome: 'not-found', agency: 'hub' });

    const failing: AuditLogPort = { getEntries: fixture.log.getEntries, append: () => Promise.reject(new Error('redis down')) };
    const blind = createAuditSearch({ redis, prefix: fixture.prefix, auditLog: failing, subjectKeyer: keyer });
    await expect(blind.search({}, scheme, dpo)).rejects.toThrow('redis down');
    await expect(blind.openExport('jsonl', {}, scheme, dpo)).rejects.toThrow('redis down');
  });
});

describe('search across Redis and the archive', () => {
  it('finds, exports and reports entries whose bodies have moved to archive segment files', async () => {
    const archiveDir = await mkdtemp(path.join(tmpdir(), 'isp-search-archive-'));
    try {
      const prefix = redisServer.newPrefix();
      let clock = Date.parse('2024-01-01T00:00:00.000Z');
      const log = createAuditLog({ redis, prefix, signer: await createTestSigner(), archiveDir, clock: () => new Date((clock += 60_000)) });
      for (const input of fixtureInputs(120, 11)) await log.append(input);
      await log.checkpoint();
      const search = searchFor(log, prefix);
      const subject = SUBJECTS[0]!;
      const filter: AuditFilter = { subject, event: 'disclosure' };
      const beforeArchive = await collectAll(search, filter, scheme, 4);
      const reportBefore = await search.subjectReport(subject, scheme, dpo);

      const result = await log.archive({ olderThan: new Date(Date.parse('2024-01-01T00:00:00.000Z') + 80 * 60_000) });
      expect(result.archivedUpTo).toBeGreaterThan(50);
      expect(await redis.hlen(`${prefix}:audit:entries`)).toBeLessThan((await log.size()) - 50);

      const afterArchive = await collectAll(search, filter, scheme, 4);
      expect(afterArchive.seqs).toEqual(beforeArchive.seqs);
      expect(afterArchive.seqs.some((seq) => seq < result.archivedUpTo)).toBe(true);
      const reportAfter = await search.subjectReport(subject, scheme, dpo);
      expect({ ...reportAfter, generatedAt: '' }).toEqual({ ...reportBefore, generatedAt: '' });
      let jsonl = '';
      for await (const chunk of await search.openExport('jsonl', { subject }, scheme, dpo)) jsonl += chunk;
      const exported = jsonl.trim().split('\n').map((line) => (JSON.parse(line) as AuditEntry).seq);
      expect(exported).toEqual(expectedSeqs(await snapshot(log), { subject }, scheme));
      expect(exported.some((seq) => seq < result.archivedUpTo)).toBe(true);
    } finally {
      await rm(archiveDir, { recursive: true, force: true });
    }
  });
});

describe('the cursor says nothing about entries outside the scope', () => {
  const yot: SearchScope = { kind: 'agency', agencyId: 'nv-yot' };
  const subject = { kind: 'pnc', value: '2021/0000001Z' };
  const about = (agency: string, recipient: string): AuditEntryInput => ({
    event: 'disclosure',
    agency,
    subjectKeys: [keyer(subject)],
    purpose: 'prevent-and-deter',
    decision: 'permit',
    recipients: [recipient],
    outcome: 'queued',
  });

  /**
   * A log holding, oldest first: YOT entries about nobody (so that the
   * subject's index, not the YOT's, is the smaller set and drives the
   * walk), `foreign` entries about the subject the YOT neither made nor
   * received, then `own` YOT entries about the subject.
   */
  async function logWith(foreign: number, own: number) {
    const prefix = redisServer.newPrefix();
    const log = createAuditLog({ redis, prefix });
    await log.appendMany(Array.from({ length: 40 }, () => ({ ...about('nv-yot', 'nv-police'), subjectKeys: [] })));
    for (let index = 0; index < foreign; index += 1) await log.append(about('nv-police', 'nv-probation'));
    for (let index = 0; index < own; index += 1) await log.append(about('nv-yot', 'nv-police'));
    return { log, search: searchFor(log, prefix) };
  }

  it('limit=1 over one own entry gives no cursor, however many older entries of other agencies are about the subject', async () => {
    for (const foreign of [0, 3, 30]) {
      const { log, search } = await logWith(foreign, 1);
      const page = await search.search({ subject, limit: 1 }, yot, dpo);
      expect(page.entries.map((entry) => entry.agency)).toEqual(['nv-yot']);
      expect(page.nextCursor).toBeUndefined();
      // The read itself is logged, counting only what the scope let through.
      const [read] = await log.getEntries([(await log.size()) - 1]);
      expect(read).toMatchObject({ event: 'audit-read', agency: 'nv-yot', outcome: 'search' });
      expect(read!.reason).toContain('1 results');
    }
  });

  it('nor does a scan budget smaller than the other agencies\' entries: the page is filled from the scope, never cut short with a cursor', async () => {
    const prefix = redisServer.newPrefix();
    const log = createAuditLog({ redis, prefix });
    await log.append(about('nv-yot', 'nv-police'));
    await log.appendMany(Array.from({ length: 40 }, () => ({ ...about('nv-yot', 'nv-police'), subjectKeys: [] })));
    for (let index = 0; index < 30; index += 1) await log.append(about('nv-police', 'nv-probation'));
    const search = searchFor(log, prefix, { scanBudget: 5 });
    const page = await search.search({ subject, limit: 1 }, yot, dpo);
    expect(page.entries.map((entry) => entry.seq)).toEqual([0]);
    expect(page.nextCursor).toBeUndefined();
  });

  it('a cursor is given when a second own entry is there, and the next page ends the walk', async () => {
    const { search } = await logWith(3, 2);
    const first = await search.search({ subject, limit: 1 }, yot, dpo);
    expect(first.nextCursor).toBeDefined();
    const second = await search.search({ subject, limit: 1, cursor: first.nextCursor }, yot, dpo);
    expect(second.entries).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();
  });

  it('a scheme DPO, who may see the older entries, is given a cursor to them', async () => {
    const { search } = await logWith(3, 1);
    expect((await search.search({ subject, limit: 1 }, scheme, dpo)).nextCursor).toBeDefined();
  });
});
