import type { AuditEntryInput } from './entry.js';
import type { AuditLog } from './log.js';

export interface BulkLoadOptions {
  /** Entries handed to the appender at once, as appendMany calls of `batch` entries each. */
  chunk?: number;
  /** Entries per appendMany call, hence per script call (the appender never splits a call): default 1,024. */
  batch?: number;
  onProgress?: (loaded: number, total: number) => void;
}

/**
 * Fills a log fast through the ordinary append path (same script, same
 * hashing, same indexes), for benchmarks and large tests: at a million
 * entries the search benchmark and the proof benchmark share it.
 */
export async function bulkLoadAuditLog(
  log: AuditLog,
  count: number,
  makeInput: (position: number) => AuditEntryInput = syntheticAuditInput,
  options: BulkLoadOptions = {},
): Promise<void> {
  const chunk = options.chunk ?? 8192;
  const batch = options.batch ?? 1024;
  for (let start = 0; start < count; start += chunk) {
    const end = Math.min(start + chunk, count);
    // Several calls at once, so that the appender can send one while Redis stores another.
    const calls: Promise<unknown>[] = [];
    for (let from = start; from < end; from += batch) {
      calls.push(log.appendMany(Array.from({ length: Math.min(batch, end - from) }, (_, offset) => makeInput(from + offset))));
    }
    await Promise.all(calls);
    options.onProgress?.(end, count);
  }
}

const AGENCIES = ['northvale-police', 'northvale-probation', 'northvale-yot', 'northvale-childrens', 'northvale-housing'];
const PURPOSES = ['ppo-offender-management', 'child-safeguarding', 'risk-assessment'];

/**
 * A plausible synthetic entry (fictional Northvale agencies), different for
 * each position: 1 in 1,000 subjects recur, so a subject search has hits.
 */
export function syntheticAuditInput(position: number): AuditEntryInput {
  const subject = (position % 1000).toString(16).padStart(64, '0');
  const agency = AGENCIES[position % AGENCIES.length] as string;
  const recipient = AGENCIES[(position + 1) % AGENCIES.length] as string;
  return {
    event: position % 7 === 0 ? 'refusal' : 'disclosure',
    agency,
    actor: { id: `staff-${position % 97}`, role: 'case-officer' },
    subjectKeys: [subject],
    subjectCategory: 'convicted',
    messageId: `msg-${position}`,
    messageType: 'arrest-notification',
    purpose: PURPOSES[position % PURPOSES.length] as string,
    legalBases: ['dpa2018-s35'],
    ruleIds: ['ppo-arrest-to-probation'],
    policyVersion: '0123456789abcdef',
    decision: position % 7 === 0 ? 'deny' : 'permit',
    fieldsDisclosed: ['subject.pnc', 'event.arrestedAt', 'event.offenceCode'],
    fieldsWithheld: ['subject.address'],
    recipients: [recipient],
    outcome: position % 7 === 0 ? 'denied' : 'queued',
  };
}
