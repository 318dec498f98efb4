import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import type { AuditEntry, AuditEntryInput } from '../entry.js';
import { createSubjectKeyer } from '../subject-keys.js';
import { createAuditLog } from '../index.js';
import { loadPolicySet, messageSchemasFromMessages } from '../../policy/index.js';
import { repoRoot } from '../../../test/support/cli.js';
import { ENTRY_CSV_COLUMNS, SUBJECT_REPORT_CSV_COLUMNS, catalogLookupFrom, createAuditSearch, csvCell, csvRow, type CatalogLookup } from './index.js';

/** A strict RFC 4180 reader, so the tests check the bytes a spreadsheet will parse. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i += 1;
      } else {
        cell += ch;
        i += 1;
      }
    } else if (ch === '"') {
      if (cell.length > 0) throw new Error('a quote inside an unquoted field');
      quoted = true;
      i += 1;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
      i += 1;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else if (ch === '\r' || ch === '\n') {
      throw new Error('a bare CR or LF outside quotes');
    } else {
      cell += ch;
      i += 1;
    }
  }
  if (quoted) throw new Error('an unterminated quoted field');
  if (cell.length > 0 || row.length > 0) throw new Error('the last record has no CRLF');
  return rows;
}

const keyer = createSubjectKeyer(Buffer.alloc(32, 3));
const dpo = { id: 'dpo-0002', role: 'data-protection-officer' };
const scheme = { kind: 'scheme' } as const;

let redisServer: TestRedis;
let redis: Redis;
beforeAll(async () => {
  redisServer = await startTestRedis();
  redis = redisServer.connect();
});
afterAll(async () => {
  await redisServer.stop();
});

function newLog() {
  const prefix = redisServer.newPrefix();
  const log = createAuditLog({ redis, prefix });
  return { prefix, log, search: createAuditSearch({ redis, prefix, auditLog: log, subjectKeyer: keyer }) };
}

async function text(iterable: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of iterable) out += chunk;
  return out;
}

describe('CSV cells (RFC 4180, formula-safe)', () => {
  it('quotes only what needs quoting, doubling inner quotes, and ends records with CRLF', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "no"')).toBe('"say ""no"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(false)).toBe('false');
    expect(csvRow(['a', 'b,c'])).toBe('a,"b,c"\r\n');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+44 1234')).toBe("'+44 1234");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvCell('\t=cmd')).toBe("'\t=cmd");
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe('"\'=HYPERLINK(""http://evil.example"",""x"")"');
    expect(csvCell('a=b')).toBe('a=b');
  });
});

describe('export', () => {
  it('CSV: a header, one record per entry, every tricky reason read back intact and defused', async () => {
    const { log, search } = newLog();
    const reasons = ['=HYPERLINK("http://evil.example","click")', '-2+3', '@SUM(A1)', '+44 plus', 'He said "no", twice\r\nthen left', 'plain, with comma'];
    const appended: AuditEntry[] = [];
    for (const reason of reasons) {
      appended.push(await log.append({ event: 'refusal', agency: 'nv-police', decision: 'deny', recipients: ['nv-housing'], outcome: 'denied', reason }));
    }
    const rows = parseCsv(await text(await search.openExport('csv', {}, scheme, dpo)));
    expect(rows[0]).toEqual([...ENTRY_CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + reasons.length);
    const reasonColumn = ENTRY_CSV_COLUMNS.indexOf('reason');
    const newestFirst = [...appended].reverse();
    rows.slice(1).forEach((row, index) => {
      expect(row).toHaveLength(ENTRY_CSV_COLUMNS.length);
      const original = newestFirst[index]!.reason!;
      expect(row[reasonColumn]).toBe(/^[=+\-@]/.test(original) ? `'${original}` : original);
      expect(row[0]).toBe(String(newestFirst[index]!.seq));
      expect(row[ENTRY_CSV_COLUMNS.indexOf('recipients')]).toBe('nv-housing');
    });
  });

  it('JSONL: one canonical entry per line, equal to what the log holds', async () => {
    const { log, search } = newLog();
    const entries: AuditEntry[] = [];
    for (let index = 0; index < 5; index += 1) {
      entries.push(await log.append({ event: 'disclosure', agency: 'nv-prison', decision: 'permit', recipients: ['nv-probation'], subjectKeys: [keyer({ kind: 'pnc', value: `2020/000000${index}X` })], fieldsDisclosed: ['body.releaseDate'] }));
    }
    const out = await text(await search.openExport('jsonl', { agency: 'nv-probation' }, scheme, dpo));
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line))).toEqual([...entries].reverse());
    // RFC 8785: members sorted, no whitespace.
    expect(lines[0]!.startsWith('{"agency":"nv-prison","decision":"permit","event":"disclosure"')).toBe(true);
  });

  it('streams a result larger than one page through a Node Readable, as a snapshot', async () => {
    const { log, prefix, search } = newLog();
    const inputs: AuditEntryInput[] = Array.from({ length: 1234 }, (_, index) => ({ event: 'delivered', agency: 'nv-yot', recipients: [index % 2 ? 'nv-police' : 'nv-court'], outcome: 'delivered' }));
    for (const input of inputs) await log.append(input);
    const readable = await search.exportStream('csv', { event: 'delivered' }, scheme, dpo);
    let body = '';
    let chunks = 0;
    await pipeline(
      readable,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks += 1;
          body += chunk.toString('utf8');
          // Entries appended while the export streams are not in it.
          void log.append({ event: 'delivered', agency: 'nv-yot', outcome: 'delivered' }).then(() => done(), done);
        },
      }),
    );
    const rows = parseCsv(body);
    expect(rows).toHaveLength(1 + 1234);
    expect(chunks).toBeGreaterThan(1000);
    const seqs = rows.slice(1).map((row) => Number(row[0]));
    expect(new Set(seqs).size).toBe(1234);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    void prefix;
  });

  it('refuses an unknown format or a bad filter before writing anything', async () => {
    const { log, search } = newLog();
    await expect(search.openExport('xlsx' as 'csv', {}, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(search.openExport('csv', { limit: 5 }, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(search.openExport('csv', { event: 'gossip' }, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await log.size()).toBe(0);
  });
});

describe('subject access report (UK GDPR Art 15, DPA 2018 s.45)', () => {
  const catalog: CatalogLookup = {
    purposeTitle: (code) => ({ 'ppo-offender-management': 'Managing a Prolific and other Priority Offender', 'safeguarding-children': 'Safeguarding a child' })[code],
    legalBasis: (code) =>
      ({
        'cda-1998-s115': { title: 'Disclosure to prevent crime and disorder', citation: 'Crime and Disorder Act 1998, section 115' },
        'ca-2004-s11': { title: 'Duty to safeguard and promote the welfare of children', citation: 'Children Act 2004, section 11' },
      })[code],
  };

  it('says to whom, when, why and under which law each disclosure went, which fields, which rule, and what was refused', async () => {
    const prefix = redisServer.newPrefix();
    const log = createAuditLog({ redis, prefix });
    const search = createAuditSearch({ redis, prefix, auditLog: log, subjectKeyer: keyer, catalog });
    const alex = { kind: 'pnc', value: '2019/0012345K' };
    const alexKey = keyer(alex);
    const other = keyer({ kind: 'pnc', value: '2018/0000009B' });
    const base = { subjectKeys: [alexKey], messageType: 'arrest-notification', messageId: 'msg_0001', policyVersion: 'abcdef0123456789' };
    const collection = await log.append({ ...base, event: 'collection', agency: 'nv-police', outcome: 'accepted' });
    const disclosure = await log.append({
      ...base, event: 'disclosure', agency: 'nv-police', decision: 'permit', recipients: ['nv-probation'], purpose: 'ppo-offender-management',
      legalBases: ['cda-1998-s115'], ruleIds: ['ppo-arrest-to-probation'], fieldsDisclosed: ['body.offence.code', 'subject.identifiers.pnc'], fieldsWithheld: ['subject.name'], outcome: 'queued',
    });
    const refusal = await log.append({
      ...base, event: 'refusal', agency: 'nv-police', decision: 'deny', recipients: ['nv-housing'], purpose: 'ppo-offender-management',
      legalBases: [], ruleIds: ['default-deny'], outcome: 'denied', reason: 'No rule permits arrest-notification to housing.',
    });
    const query = { ...base, messageType: 'risk-flag-query', messageId: 'msg_0002', agency: 'nv-yot', decision: 'permit' as const, purpose: 'safeguarding-children', legalBases: ['ca-2004-s11', 'uk-gdpr-6-1-e'], ruleIds: ['yot-flag-query'], isChild: true };
    const consulted = await log.append({ ...query, event: 'consultation', outcome: 'register-consulted' });
    const answered = await log.append({ ...query, event: 'disclosure', recipients: ['nv-yot'], fieldsDisclosed: ['flags.present'], outcome: 'flags-disclosed' });
    await log.append({ ...base, subjectKeys: [other], event: 'disclosure', agency: 'nv-police', decision: 'permit', recipients: ['nv-yot'] });

    const report = await search.subjectReport(alex, scheme, dpo);
    expect(report.subjectKey).toBe(alexKey);
    expect(report.scope).toBe('scheme');
    expect(report.disclosures.map((item) => item.seq)).toEqual([disclosure.seq, answered.seq]);
    expect(report.disclosures[0]).toMatchObject({
      entryId: disclosure.id,
      time: disclosure.time,
      from: 'nv-police',
      to: ['nv-probation'],
      purpose: { code: 'ppo-offender-management', title: 'Managing a Prolific and other Priority Offender' },
      legalBases: [{ code: 'cda-1998-s115', title: 'Disclosure to prevent crime and disorder', citation: 'Crime and Disorder Act 1998, section 115' }],
      ruleIds: ['ppo-arrest-to-probation'],
      fieldsDisclosed: ['body.offence.code', 'subject.identifiers.pnc'],
      fieldsWithheld: ['subject.name'],
    });
    // A query answered: the hub disclosed to the agency that asked; an unknown basis keeps its code.
    expect(report.disclosures[1]).toMatchObject({
      from: 'hub',
      to: ['nv-yot'],
      isChild: true,
      legalBases: [
        { code: 'ca-2004-s11', title: 'Duty to safeguard and promote the welfare of children', citation: 'Children Act 2004, section 11' },
        { code: 'uk-gdpr-6-1-e', title: null, citation: null },
      ],
    });
    expect(report.refusals).toEqual([
      expect.objectContaining({ seq: refusal.seq, to: ['nv-housing'], ruleIds: ['default-deny'], outcome: 'denied', reason: 'No rule permits arrest-notification to housing.' }),
    ]);
    // The register's reading releases nothing itself: it is listed with the other acts.
    expect(report.otherActivity).toEqual([
      expect.objectContaining({ seq: collection.seq, event: 'collection', agency: 'nv-police' }),
      expect.objectContaining({ seq: consulted.seq, event: 'consultation', agency: 'nv-yot', outcome: 'register-consulted' }),
    ]);

    const rows = parseCsv(await search.subjectReportCsv(alex, scheme, dpo));
    const columns = [...SUBJECT_REPORT_CSV_COLUMNS];
    expect(rows[0]).toEqual(columns);
    expect(rows.slice(1).map((row) => [row[0], row[1]])).toEqual([
      ['activity', String(collection.seq)],
      ['disclosure', String(disclosure.seq)],
      ['refusal', String(refusal.seq)],
      ['activity', String(consulted.seq)],
      ['disclosure', String(answered.seq)],
    ]);
    const disclosureRow = rows[2]!;
    expect(disclosureRow[columns.indexOf('purposeTitle')]).toBe('Managing a Prolific and other Priority Offender');
    expect(disclosureRow[columns.indexOf('legalBases')]).toBe('Disclosure to prevent crime and disorder (Crime and Disorder Act 1998, section 115)');
    expect(disclosureRow[columns.indexOf('to')]).toBe('nv-probation');
  });

  it('takes titles and citations from the scheme catalog (policies/catalog.yaml through the policy loader)', async () => {
    const policySet = await loadPolicySet(path.join(repoRoot, 'policies'), messageSchemasFromMessages());
    const prefix = redisServer.newPrefix();
    const log = createAuditLog({ redis, prefix });
    const search = createAuditSearch({ redis, prefix, auditLog: log, subjectKeyer: keyer, catalog: catalogLookupFrom(policySet.catalog) });
    const subject = { kind: 'crn', value: 'X654321' };
    await log.append({ event: 'disclosure', agency: 'nv-police', subjectKeys: [keyer(subject)], decision: 'permit', recipients: ['nv-probation'], purpose: 'catch-and-convict', legalBases: ['cda-1998-s115', 'no-such-basis'] });
    const [item] = (await search.subjectReport(subject, scheme, dpo)).disclosures;
    expect(item!.purpose).toEqual({ code: 'catch-and-convict', title: policySet.catalog.purposes['catch-and-convict']!.title });
    expect(item!.legalBases).toEqual([
      { code: 'cda-1998-s115', title: 'Crime and Disorder Act 1998, section 115', citation: policySet.catalog.legalBases['cda-1998-s115']!.citation },
      { code: 'no-such-basis', title: null, citation: null },
    ]);
    // An inherited property name is not a catalog entry.
    expect(catalogLookupFrom(policySet.catalog).purposeTitle('constructor')).toBeUndefined();
  });

  it('without a catalog, titles are null and codes still name the law', async () => {
    const { log, search } = newLog();
    const subject = { kind: 'crn', value: 'X123456' };
    await log.append({ event: 'disclosure', agency: 'nv-probation', subjectKeys: [keyer(subject)], decision: 'permit', recipients: ['nv-police'], purpose: 'ppo-offender-management', legalBases: ['cda-1998-s115'] });
    const report = await search.subjectReport(subject, scheme, dpo);
    expect(report.disclosures[0]!.purpose).toEqual({ code: 'ppo-offender-management', title: null });
    expect(report.disclosures[0]!.legalBases).toEqual([{ code: 'cda-1998-s115', title: null, citation: null }]);
  });

  it('refuses a malformed identifier with BAD_REQUEST', async () => {
    const { search } = newLog();
    await expect(search.subjectReport({ kind: 'pnc' }, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(search.subjectReport({ kind: 'pnc', value: 'x'.repeat(65) }, scheme, dpo)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
