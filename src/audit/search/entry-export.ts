import canonicalizeModule from 'canonicalize';
import type { AuditEntry } from '../entry.js';
import { csvRow } from './csv.js';

/**
 * Export formats for audit entries. Both hold exactly what the entry holds
 * (codes, field names, pseudonymous subject keys), so an export can never
 * carry more than the log does.
 */

export const ENTRY_CSV_COLUMNS = [
  'seq', 'id', 'time', 'event', 'agency', 'actorId', 'actorRole', 'subjectKeys', 'subjectCategory', 'isChild',
  'messageId', 'correlationId', 'messageType', 'purpose', 'legalBases', 'ruleIds', 'policyVersion', 'decision',
  'fieldsDisclosed', 'fieldsWithheld', 'recipients', 'outcome', 'reason',
] as const;

/** List cells join with a space: codes and field paths never contain one. */
const list = (values: readonly string[] | undefined): string => (values ?? []).join(' ');

export function entryCsvHeader(): string {
  return csvRow(ENTRY_CSV_COLUMNS);
}

export function entryCsvRow(entry: AuditEntry): string {
  return csvRow([
    entry.seq, entry.id, entry.time, entry.event, entry.agency, entry.actor?.id, entry.actor?.role,
    list(entry.subjectKeys), entry.subjectCategory, entry.isChild, entry.messageId, entry.correlationId,
    entry.messageType, entry.purpose, list(entry.legalBases), list(entry.ruleIds), entry.policyVersion,
    entry.decision, list(entry.fieldsDisclosed), list(entry.fieldsWithheld), list(entry.recipients), entry.outcome,
    entry.reason,
  ]);
}

// canonicalize is CommonJS whose typings declare an ES default export; under NodeNext
// the default import is module.exports, which is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** One canonical JSON (RFC 8785) entry per line, as the log stores it. */
export function entryJsonLine(entry: AuditEntry): string {
  const text = canonicalize(entry);
  if (text === undefined) throw new TypeError('an audit entry could not be serialised');
  return `${text}\n`;
}
