import type { AuditEntry } from '../entry.js';
import { isRegisterAnswer } from '../register-answer.js';
import { csvRow } from './csv.js';

/**
 * The subject access report: what the scheme disclosed about one person, to
 * whom, when, why and under which law, and what it refused (UK GDPR Art 15(1)
 * (a)-(c); DPA 2018 s.45(2) for the law-enforcement processing of Part 3).
 * Built only from audit entries, so it names fields but never their values,
 * and names the person only by the pseudonymous key.
 */

/** Titles and citations from policies/catalog.yaml, injected by whoever loads it. */
export interface CatalogLookup {
  purposeTitle(code: string): string | undefined;
  legalBasis(code: string): { title: string; citation: string } | undefined;
}

/** The parts of a loaded catalog (src/policy `PolicySet.catalog`) the report reads, stated structurally. */
export interface CatalogTitles {
  purposes: Readonly<Record<string, { title: string }>>;
  legalBases: Readonly<Record<string, { title: string; citation: string }>>;
}

/** A lookup over a loaded catalog: `catalogLookupFrom(policySet.catalog)`. */
export function catalogLookupFrom(catalog: CatalogTitles): CatalogLookup {
  const own = <T>(record: Readonly<Record<string, T>>, code: string): T | undefined =>
    Object.prototype.hasOwnProperty.call(record, code) ? record[code] : undefined;
  return {
    purposeTitle: (code) => own(catalog.purposes, code)?.title,
    legalBasis: (code) => {
      const found = own(catalog.legalBases, code);
      return found ? { title: found.title, citation: found.citation } : undefined;
    },
  };
}

export interface PurposeView {
  code: string;
  /** null when the catalog does not know the code (or none was injected). */
  title: string | null;
}

export interface LegalBasisView {
  code: string;
  title: string | null;
  citation: string | null;
}

export interface DisclosureView {
  seq: number;
  entryId: string;
  time: string;
  event: AuditEntry['event'];
  /** The agency that sent the record (or, for a query answered, the hub). */
  from: string;
  /** Who received it. */
  to: string[];
  purpose: PurposeView | null;
  legalBases: LegalBasisView[];
  ruleIds: string[];
  policyVersion: string | null;
  messageType: string | null;
  messageId: string | null;
  fieldsDisclosed: string[];
  fieldsWithheld: string[];
  isChild: boolean | null;
}

export interface RefusalView extends Omit<DisclosureView, 'fieldsDisclosed'> {
  outcome: string | null;
  reason: string | null;
}

export interface ActivityView {
  seq: number;
  entryId: string;
  time: string;
  event: AuditEntry['event'];
  agency: string;
  recipients: string[];
  outcome: string | null;
}

export interface SubjectReport {
  subjectKey: string;
  generatedAt: string;
  /** `scheme`, or the agency id an agency DPO is limited to. */
  scope: string;
  disclosures: DisclosureView[];
  refusals: RefusalView[];
  /** Collections, deliveries, alterations, erasures...: the rest of s.62's acts. */
  otherActivity: ActivityView[];
}

const DISCLOSING_EVENTS: ReadonlySet<AuditEntry['event']> = new Set(['disclosure', 'combination']);

export function isRefusal(entry: AuditEntry): boolean {
  return entry.event === 'refusal' || entry.decision === 'deny';
}

export function isDisclosure(entry: AuditEntry): boolean {
  return !isRefusal(entry) && DISCLOSING_EVENTS.has(entry.event);
}

export function buildSubjectReport(
  entries: readonly AuditEntry[],
  context: { subjectKey: string; scope: string; generatedAt: string; catalog: CatalogLookup | undefined },
): SubjectReport {
  const { catalog } = context;
  const purpose = (code: string | undefined): PurposeView | null =>
    code === undefined ? null : { code, title: catalog?.purposeTitle(code) ?? null };
  const legalBases = (codes: readonly string[]): LegalBasisView[] =>
    codes.map((code) => {
      const found = catalog?.legalBasis(code);
      return { code, title: found?.title ?? null, citation: found?.citation ?? null };
    });
  const common = (entry: AuditEntry) => {
    const answered = isRegisterAnswer(entry);
    return {
      seq: entry.seq,
      entryId: entry.id,
      time: entry.time,
      event: entry.event,
      from: answered ? 'hub' : entry.agency,
      to: [...entry.recipients],
      purpose: purpose(entry.purpose),
      legalBases: legalBases(entry.legalBases),
      ruleIds: [...entry.ruleIds],
      policyVersion: entry.policyVersion ?? null,
      messageType: entry.messageType ?? null,
      messageId: entry.messageId ?? null,
      fieldsWithheld: [...entry.fieldsWithheld],
      isChild: entry.isChild ?? null,
    };
  };

  const report: SubjectReport = {
    subjectKey: context.subjectKey,
    generatedAt: context.generatedAt,
    scope: context.scope,
    disclosures: [],
    refusals: [],
    otherActivity: [],
  };
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (isRefusal(entry)) {
      report.refusals.push({ ...common(entry), outcome: entry.outcome ?? null, reason: entry.reason ?? null });
    } else if (isDisclosure(entry)) {
      report.disclosures.push({ ...common(entry), fieldsDisclosed: [...entry.fieldsDisclosed] });
    } else {
      report.otherActivity.push({
        seq: entry.seq,
        entryId: entry.id,
        time: entry.time,
        event: entry.event,
        agency: entry.agency,
        recipients: [...entry.recipients],
        outcome: entry.outcome ?? null,
      });
    }
  }
  return report;
}

export const SUBJECT_REPORT_CSV_COLUMNS = [
  'section', 'seq', 'entryId', 'time', 'event', 'from', 'to', 'purposeCode', 'purposeTitle', 'legalBases',
  'ruleIds', 'fieldsDisclosed', 'fieldsWithheld', 'isChild', 'outcome', 'reason',
] as const;

/** The same report as one CSV table (RFC 4180), one row per act, oldest first. */
export function subjectReportToCsv(report: SubjectReport): string {
  const basis = (views: readonly LegalBasisView[]) =>
    views.map((view) => (view.title ? `${view.title}${view.citation ? ` (${view.citation})` : ''}` : view.code)).join('; ');
  const rows: Array<{ seq: number; line: string }> = [];
  for (const item of report.disclosures) {
    rows.push({
      seq: item.seq,
      line: csvRow([
        'disclosure', item.seq, item.entryId, item.time, item.event, item.from, item.to.join(' '), item.purpose?.code,
        item.purpose?.title, basis(item.legalBases), item.ruleIds.join(' '), item.fieldsDisclosed.join(' '),
        item.fieldsWithheld.join(' '), item.isChild, '', '',
      ]),
    });
  }
  for (const item of report.refusals) {
    rows.push({
      seq: item.seq,
      line: csvRow([
        'refusal', item.seq, item.entryId, item.time, item.event, item.from, item.to.join(' '), item.purpose?.code,
        item.purpose?.title, basis(item.legalBases), item.ruleIds.join(' '), '', item.fieldsWithheld.join(' '),
        item.isChild, item.outcome, item.reason,
      ]),
    });
  }
  for (const item of report.otherActivity) {
    rows.push({
      seq: item.seq,
      line: csvRow([
        'activity', item.seq, item.entryId, item.time, item.event, item.agency, item.recipients.join(' '), '', '', '',
        '', '', '', '', item.outcome, '',
      ]),
    });
  }
  rows.sort((a, b) => a.seq - b.seq);
  return csvRow(SUBJECT_REPORT_CSV_COLUMNS) + rows.map((row) => row.line).join('');
}
