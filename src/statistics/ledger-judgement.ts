import { decide, minimise, STATISTICS_LEDGER, STATISTICS_PURPOSE, type Decision, type PolicyMessage, type PolicySet } from '../policy/index.js';
import type { Party } from '../registry/index.js';
import type { MessageRecord } from '../routing/ports.js';
import type { FactValue } from './fact.js';
import { factFieldsOf } from './fact-fields.js';

/**
 * What the statistics ledger is given of one record, judged as one more
 * recipient: `decide()` on the record for the purpose
 * `scheme-performance-statistics`, sent to the ledger party, then
 * `minimise()` with the permit's allow-list and generalisations (dates to the
 * day), then the ledger's own refusal of anything but codes and days
 * (fact-fields.ts). Intake (ledger-feed.ts) and `isp-hub policy test` both
 * ask here, so a policy test decides for the ledger exactly as intake does.
 */
export interface LedgerJudgement {
  decision: Decision;
  /** Present when the ledger is given a fact: its fields, and the leaf paths let through and held back (the audit entry's lists). */
  written?: {
    fields: Record<string, FactValue | FactValue[]>;
    disclosed: string[];
    withheld: string[];
  };
}

export type LedgerRecord = Pick<MessageRecord, 'type' | 'actor' | 'subject' | 'body'>;

/** Undefined when the catalog defines no statistics purpose: the scheme keeps no ledger. */
export function judgeForLedger(set: PolicySet, record: LedgerRecord, sender: Party, at: Date): LedgerJudgement | undefined {
  if (!Object.hasOwn(set.catalog.purposes, STATISTICS_PURPOSE)) return undefined;
  const { type, actor, subject, body } = record;
  // Whatever purpose the sender gave, the ledger's share is judged for the statistics purpose alone.
  const asked = { type, purpose: STATISTICS_PURPOSE, actor, subject, body } as unknown as PolicyMessage;
  const decision = decide(set, asked, sender, STATISTICS_LEDGER, { now: at });
  if (decision.effect !== 'permit' || !decision.obligations) return { decision };
  const { disclose, withhold } = decision.obligations;
  const minimised = minimise(asked as unknown as Record<string, unknown>, { disclose, ...(withhold ? { withhold } : {}) });
  const { fields, refused } = factFieldsOf(minimised.record as Record<string, unknown>);
  const refusedSet = new Set(refused);
  return {
    decision,
    written: {
      fields,
      disclosed: minimised.disclosed.filter((path) => !refusedSet.has(path.replace(/\[\]$/, ''))),
      withheld: [...new Set([...minimised.withheld, ...refused])].sort(),
    },
  };
}
