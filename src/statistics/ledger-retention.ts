import type { AuditEntryInput } from '../audit/entry.js';
import { STATISTICS_LEDGER, STATISTICS_PURPOSE } from '../policy/index.js';
import type { LedgerStore } from './ledger-store.js';

/**
 * Retention: a fact is kept through its retain-until day (the statistics
 * permit's `retainDays` from the day it was written) and then erased, each
 * erasure with its own audit entry carrying the subject keys, so a subject
 * access report shows it (DPA 2018 s.39 and s.62(1)(f)). Entries are
 * appended before the facts go: a crash in between leaves a fact the next
 * sweep erases again, never an erasure nobody recorded.
 */
export interface RetentionDeps {
  store: LedgerStore;
  audit: { appendMany(inputs: AuditEntryInput[]): Promise<unknown> };
}

export async function eraseExpiredFacts(deps: RetentionDeps, today: Date): Promise<number> {
  const day = today.toISOString().slice(0, 10);
  let erased = 0;
  for (const month of await deps.store.months()) {
    const due = (await deps.store.monthFacts(month)).filter(({ fact }) => fact.retainUntil < day);
    for (let start = 0; start < due.length; start += 500) {
      const batch = due.slice(start, start + 500);
      await deps.audit.appendMany(batch.map(({ fact }) => erasureEntry(fact.keys, fact.type, fact.retainUntil)));
      await deps.store.remove(month, batch.map(({ fact, messageId }) => ({ seq: fact.seq, messageId })));
    }
    erased += due.length;
  }
  return erased;
}

function erasureEntry(keys: readonly string[], type: string, retainUntil: string): AuditEntryInput {
  return {
    event: 'erasure',
    agency: 'hub',
    subjectKeys: keys.slice(0, 16),
    messageType: type,
    purpose: STATISTICS_PURPOSE,
    recipients: [STATISTICS_LEDGER.id],
    decision: 'not-applicable',
    outcome: 'retention-expired',
    reason: `A statistics fact kept through ${retainUntil} was erased from the ledger.`,
  };
}
