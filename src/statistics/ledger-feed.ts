import type { AuditEntryInput } from '../audit/entry.js';
import { STATISTICS_LEDGER, STATISTICS_PURPOSE, type PolicySet } from '../policy/index.js';
import type { MessageRecord } from '../routing/ports.js';
import { EVENT_DATE_FIELDS } from './event-dates.js';
import type { NewFact } from './fact.js';
import { judgeForLedger } from './ledger-judgement.js';

/**
 * Whether a message feeds the statistics ledger, and with what: the ledger
 * is judged as one more recipient (ledger-judgement.ts). The plan carries the audit entry the caller appends with the message's other
 * entries, and the fact it writes only after that (nothing is written before
 * it is audited).
 */
export interface FeedInput {
  record: MessageRecord;
  senderId: string;
  issuedAt: Date;
  messageId: string;
  correlationId: string;
  subjectKeys: string[];
}

export interface FactPlan {
  messageId: string;
  entry: AuditEntryInput;
  /** Absent when the ledger is full: the entry then records the refusal. */
  fact?: NewFact;
}

export interface StatisticsFeed {
  plan(input: FeedInput, ledgerFull: boolean): FactPlan | undefined;
}

export function createStatisticsFeed(policy: () => PolicySet): StatisticsFeed {
  return {
    plan(input, ledgerFull) {
      const set = policy();
      const sender = set.registry.get(input.senderId);
      const judged = sender ? judgeForLedger(set, input.record, sender, input.issuedAt) : undefined;
      // Not every message is for statistics (a victim's record, an information request): no fact, nothing to audit.
      if (!judged?.written || !judged.decision.obligations) return undefined;
      const { decision } = judged;
      const { fields, disclosed, withheld } = judged.written;
      const { type, actor, subject } = input.record;
      const { retainDays } = judged.decision.obligations;
      const notifiedDate = input.issuedAt.toISOString().slice(0, 10);
      const datePath = EVENT_DATE_FIELDS[type];
      const recorded = datePath === undefined ? undefined : fields[datePath];
      const eventDate = typeof recorded === 'string' ? recorded : notifiedDate;
      const retainUntil = new Date(input.issuedAt.getTime() + retainDays * 86_400_000).toISOString().slice(0, 10);
      const common = {
        agency: input.senderId,
        actor,
        subjectKeys: input.subjectKeys.slice(0, 16),
        subjectCategory: subject.category as 'suspect',
        isChild: decision.isChild,
        messageId: input.messageId,
        correlationId: input.correlationId,
        messageType: type,
        purpose: STATISTICS_PURPOSE,
        legalBases: [...decision.legalBases],
        ruleIds: [...decision.ruleIds],
        policyVersion: decision.policyVersion,
        recipients: [STATISTICS_LEDGER.id],
      };
      if (ledgerFull) {
        return {
          messageId: input.messageId,
          entry: { ...common, event: 'refusal', decision: 'not-applicable', outcome: 'LEDGER_FULL', reason: 'The statistics ledger is at its quota: no fact was written for this message.' },
        };
      }
      return {
        messageId: input.messageId,
        entry: {
          ...common,
          event: 'disclosure',
          decision: 'permit',
          fieldsDisclosed: disclosed,
          fieldsWithheld: withheld,
          outcome: 'fact-written',
          reason: `A statistics fact (codes and days only) was written to the scheme's ledger under ${decision.ruleIds.join(', ')}.`,
        },
        fact: { keys: input.subjectKeys, type, eventDate, notifiedDate, agency: input.senderId, child: decision.isChild, retainUntil, fields },
      };
    },
  };
}
