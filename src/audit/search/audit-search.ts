import { Readable } from 'node:stream';
import { HubError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/index.js';
import type { AuditEntry, AuditEntryInput } from '../entry.js';
import type { SubjectKeyer } from '../subject-keys.js';
import { entryCsvHeader, entryCsvRow, entryJsonLine } from './entry-export.js';
import { auditIndexKeys } from './index-keys.js';
import {
  auditFilterSchema,
  auditSearchQuerySchema,
  decodeCursor,
  dpoIdentitySchema,
  encodeCursor,
  parseInput,
  searchScopeSchema,
  subjectIdentifierSchema,
  type DpoIdentity,
  type SearchScope,
} from './query.js';
import { createSearchCore, type IndexFilter, type SeqPage } from './search-core.js';
import { buildSubjectReport, subjectReportToCsv, type CatalogLookup, type SubjectReport } from './subject-report.js';

/** The part of the audit log (src/audit createAuditLog) that search needs. */
export interface AuditLogPort {
  append(input: AuditEntryInput): Promise<AuditEntry>;
  /** Must read across Redis and archive segments. */
  getEntries(seqs: number[]): Promise<AuditEntry[]>;
}

/** hex HMAC-SHA256 over the normalised identifier: createSubjectKeyer in src/audit/subject-keys.ts. */
export type { SubjectKeyer };

export interface AuditSearchDeps {
  redis: RedisClient;
  /** The configured `{hash tag}` prefix (REDIS_KEY_PREFIX). */
  prefix: string;
  auditLog: AuditLogPort;
  subjectKeyer: SubjectKeyer;
  catalog?: CatalogLookup;
  /** Operational log: kinds, counts and timings only. */
  logger?: Logger;
  now?: () => Date;
  /** Tuning for tests and benchmarks; see search-script.ts. */
  scanBudget?: number;
  timeDriverMax?: number;
}

export interface AuditSearchPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass back as `cursor` for the next (older) page; absent when nothing older matches. */
  nextCursor?: string;
}

export type ExportFormat = 'csv' | 'jsonl';

const EXPORT_PAGE = 500;

/**
 * The DPO's view of the audit log: search, entry view, export and the subject
 * access report. Each of them is itself logged as an `audit-read` entry,
 * written before any result is handed back, so reading the log cannot go
 * unrecorded (DPA 2018 s.62(1)(c) consultation; the log of the log).
 */
export function createAuditSearch(deps: AuditSearchDeps) {
  const keys = auditIndexKeys(deps.prefix);
  const core = createSearchCore(deps.redis, keys, {
    ...(deps.scanBudget !== undefined ? { scanBudget: deps.scanBudget } : {}),
    ...(deps.timeDriverMax !== undefined ? { timeDriverMax: deps.timeDriverMax } : {}),
  });
  const now = deps.now ?? (() => new Date());

  function toIndexFilter(filter: ReturnType<typeof auditFilterSchema.parse>, scope: SearchScope): { index: IndexFilter; subjectKey?: string } {
    const subjectKey = filter.subject ? deps.subjectKeyer(filter.subject) : undefined;
    const index: IndexFilter = {
      ...(subjectKey ? { subjectKey } : {}),
      ...(filter.agency ? { agency: filter.agency } : {}),
      ...(filter.actor ? { actor: filter.actor } : {}),
      ...(filter.purpose ? { purpose: filter.purpose } : {}),
      ...(filter.event ? { event: filter.event } : {}),
      ...(filter.decision ? { decision: filter.decision } : {}),
      ...(filter.from ? { fromMs: Date.parse(filter.from) } : {}),
      ...(filter.to ? { toMs: Date.parse(filter.to) } : {}),
      ...(scope.kind === 'agency' ? { scopeAgency: scope.agencyId } : {}),
    };
    return subjectKey ? { index, subjectKey } : { index };
  }

  /** Describes a read in codes only: the subject appears as its key, never as the identifier. */
  function describe(what: string, scope: SearchScope, index: IndexFilter, extra: string[] = []): string {
    const parts = [
      index.subjectKey && `subject-key=${index.subjectKey}`,
      index.agency && `agency=${index.agency}`,
      index.actor && `actor=${index.actor.agency}/${index.actor.id}`,
      index.purpose && `purpose=${index.purpose}`,
      index.event && `event=${index.event}`,
      index.decision && `decision=${index.decision}`,
      index.fromMs !== undefined && `from=${new Date(index.fromMs).toISOString()}`,
      index.toMs !== undefined && `to=${new Date(index.toMs).toISOString()}`,
    ].filter((part): part is string => typeof part === 'string');
    const scopeText = scope.kind === 'agency' ? `agency ${scope.agencyId}` : 'scheme';
    return [`${what} (scope ${scopeText})`, parts.length > 0 ? `filters ${parts.join(' ')}` : 'no filters', ...extra].join('; ');
  }

  async function recordRead(scope: SearchScope, dpo: DpoIdentity, outcome: string, reason: string): Promise<void> {
    await deps.auditLog.append({
      event: 'audit-read',
      agency: scope.kind === 'agency' ? scope.agencyId : 'hub',
      actor: { id: dpo.id, role: dpo.role },
      outcome,
      reason,
    });
  }

  function inScope(entry: AuditEntry, scope: SearchScope): boolean {
    return scope.kind === 'scheme' || entry.agency === scope.agencyId || entry.recipients.includes(scope.agencyId);
  }

  /** Bodies for a page of seqs, newest first; an indexed seq with no body is tampering. */
  async function fetchEntries(seqs: number[], scope: SearchScope): Promise<AuditEntry[]> {
    if (seqs.length === 0) return [];
    const found = await deps.auditLog.getEntries(seqs);
    const bySeq = new Map(found.map((entry) => [entry.seq, entry]));
    return seqs.map((seq) => {
      const entry = bySeq.get(seq);
      if (!entry) throw new HubError('AUDIT_TAMPERED', 'an indexed audit entry has no body', { seq });
      // The index already applied the scope; this second look guards against a damaged index.
      if (!inScope(entry, scope)) throw new HubError('AUDIT_TAMPERED', 'the audit index disagrees with an entry', { seq });
      return entry;
    });
  }

  async function* walk(index: IndexFilter, scope: SearchScope, startBefore: number | undefined): AsyncGenerator<AuditEntry> {
    let before = startBefore;
    for (;;) {
      const page = await core.page(index, before, EXPORT_PAGE);
      for (const entry of await fetchEntries(page.seqs, scope)) yield entry;
      if (page.nextBefore === undefined) return;
      before = page.nextBefore;
    }
  }

  /**
   * An agency DPO's page, filled from the scoped intersection alone. The
   * script's scan budget counts every member of the driving set it looks at,
   * entries of other agencies included, so a page it cut short (with a
   * cursor at the last member examined) would tell how many such entries the
   * subject has, and where. Here the walk goes on, one budgeted call at a
   * time (Redis stays responsive between them), until one match more than
   * the page is found or nothing older matches: the cursor is given only
   * when that further match exists, and it is the page's own last seq.
   */
  async function scopedPage(index: IndexFilter, before: number | undefined, limit: number): Promise<SeqPage> {
    const seqs: number[] = [];
    let cursor = before;
    for (;;) {
      const part = await core.page(index, cursor, limit + 1 - seqs.length);
      seqs.push(...part.seqs);
      if (seqs.length > limit || part.nextBefore === undefined) break;
      cursor = part.nextBefore;
    }
    const shown = seqs.slice(0, limit);
    return { seqs: shown, nextBefore: seqs.length > limit ? shown[shown.length - 1] : undefined };
  }

  async function logSize(): Promise<number> {
    return Number((await deps.redis.get(keys.size)) ?? '0');
  }

  function logRead(kind: string, started: number, results: number): void {
    deps.logger?.info('audit read', { kind, results, ms: Math.round(performance.now() - started) });
  }

  function validateCaller(scope: unknown, dpo: unknown): { scope: SearchScope; dpo: DpoIdentity } {
    return { scope: parseInput(searchScopeSchema, scope, 'scope'), dpo: parseInput(dpoIdentitySchema, dpo, 'DPO identity') };
  }

  async function openExport(format: ExportFormat, filterInput: unknown, scopeInput: unknown, dpoInput: unknown): Promise<AsyncGenerator<string>> {
    if (format !== 'csv' && format !== 'jsonl') throw new HubError('BAD_REQUEST', 'export format must be csv or jsonl');
    const { scope, dpo } = validateCaller(scopeInput, dpoInput);
    const filter = parseInput(auditFilterSchema, filterInput, 'audit export query');
    const { index } = toIndexFilter(filter, scope);
    // A snapshot: entries appended while the export streams (its own audit-read included) are left out.
    const size = await logSize();
    await recordRead(scope, dpo, `export-${format}`, describe(`export ${format}`, scope, index, [`log size ${size}`]));
    const started = performance.now();
    return (async function* stream() {
      let count = 0;
      if (format === 'csv') yield entryCsvHeader();
      for await (const entry of walk(index, scope, size)) {
        count += 1;
        yield format === 'csv' ? entryCsvRow(entry) : entryJsonLine(entry);
      }
      logRead(`export-${format}`, started, count);
    })();
  }

  async function subjectReport(identifierInput: unknown, scopeInput: unknown, dpoInput: unknown, outcome: string): Promise<SubjectReport> {
    const started = performance.now();
    const { scope, dpo } = validateCaller(scopeInput, dpoInput);
    const identifier = parseInput(subjectIdentifierSchema, identifierInput, 'subject identifier');
    const subjectKey = deps.subjectKeyer(identifier);
    const index: IndexFilter = { subjectKey, ...(scope.kind === 'agency' ? { scopeAgency: scope.agencyId } : {}) };
    const size = await logSize();
    const entries: AuditEntry[] = [];
    for await (const entry of walk(index, scope, size)) entries.push(entry);
    const report = buildSubjectReport(entries, {
      subjectKey,
      scope: scope.kind === 'agency' ? scope.agencyId : 'scheme',
      generatedAt: now().toISOString(),
      catalog: deps.catalog,
    });
    await recordRead(scope, dpo, outcome, describe('subject access report', scope, index, [`${entries.length} entries`]));
    logRead(outcome, started, entries.length);
    return report;
  }

  return {
    /** One page of matching entries, newest first. */
    async search(queryInput: unknown, scopeInput: unknown, dpoInput: unknown): Promise<AuditSearchPage> {
      const started = performance.now();
      const { scope, dpo } = validateCaller(scopeInput, dpoInput);
      const query = parseInput(auditSearchQuerySchema, queryInput, 'audit search query');
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const { index } = toIndexFilter(query, scope);
      const page = index.scopeAgency ? await scopedPage(index, before, query.limit) : await core.page(index, before, query.limit);
      const entries = await fetchEntries(page.seqs, scope);
      await recordRead(scope, dpo, 'search', describe('search', scope, index, [`limit ${query.limit}`, `${entries.length} results`]));
      logRead('search', started, entries.length);
      return page.nextBefore === undefined ? { entries } : { entries, nextCursor: encodeCursor(page.nextBefore) };
    },

    /** One entry by seq; another agency's entry looks exactly like a missing one. */
    async viewEntry(seqInput: unknown, scopeInput: unknown, dpoInput: unknown): Promise<AuditEntry> {
      const started = performance.now();
      const { scope, dpo } = validateCaller(scopeInput, dpoInput);
      const seq = typeof seqInput === 'string' && /^[0-9]{1,15}$/.test(seqInput) ? Number(seqInput) : seqInput;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new HubError('BAD_REQUEST', 'the entry number must be a non-negative integer');
      const [entry] = await deps.auditLog.getEntries([seq]);
      const visible = entry !== undefined && entry.seq === seq && inScope(entry, scope);
      await recordRead(scope, dpo, visible ? 'view' : 'not-found', describe('view entry', scope, {}, [`seq ${seq}`]));
      logRead('view', started, visible ? 1 : 0);
      if (!visible) throw new HubError('AUDIT_NOT_FOUND', 'no such audit entry');
      return entry;
    },

    /**
     * Every matching entry as CSV (RFC 4180, formula-safe) or JSONL, streamed
     * page by page. Validation and the audit-read entry happen before this
     * resolves, so a bad request fails before any byte is sent.
     */
    openExport,
    async exportStream(format: ExportFormat, filter: unknown, scope: unknown, dpo: unknown): Promise<Readable> {
      return Readable.from(await openExport(format, filter, scope, dpo), { objectMode: false });
    },

    /** UK GDPR Art 15 / DPA 2018 s.45: everything the log holds about one person. */
    subjectReport: (identifier: unknown, scope: unknown, dpo: unknown): Promise<SubjectReport> =>
      subjectReport(identifier, scope, dpo, 'subject-report'),

    /** The same report as one CSV table. */
    async subjectReportCsv(identifier: unknown, scope: unknown, dpo: unknown): Promise<string> {
      return subjectReportToCsv(await subjectReport(identifier, scope, dpo, 'subject-report-csv'));
    },
  };
}

export type AuditSearch = ReturnType<typeof createAuditSearch>;
