import { createHash } from 'node:crypto';
import type { FactValue, LedgerFact } from '../statistics/index.js';

/**
 * Builds ledger facts for tests the way the hub writes them: a subject key
 * per person, dates to the day, coded fields only.
 */
export class FactLog {
  readonly facts: LedgerFact[] = [];

  add(person: string, type: string, eventDate: string, fields: Record<string, FactValue | FactValue[]>, options: { notified?: string; agency?: string; child?: boolean } = {}): this {
    this.facts.push({
      seq: this.facts.length + 1,
      keys: [keyOf(person)],
      type,
      eventDate,
      notifiedDate: options.notified ?? eventDate,
      agency: options.agency ?? 'nv-police',
      child: options.child ?? false,
      retainUntil: '2099-12-31',
      fields,
    });
    return this;
  }

  select(person: string, day: string, strand = 'catch-and-convict', options: { child?: boolean; previous?: string } = {}): this {
    return this.add(person, 'ppo-status-change', day, { 'body.status': 'selected', 'body.strand': strand, 'body.previousStatus': options.previous ?? 'nominated', 'body.effectiveDate': day }, { agency: 'nv-probation', child: options.child ?? false });
  }

  deselect(person: string, day: string, strand = 'catch-and-convict'): this {
    return this.add(person, 'ppo-status-change', day, { 'body.status': 'deselected', 'body.strand': strand, 'body.previousStatus': 'selected', 'body.effectiveDate': day }, { agency: 'nv-probation' });
  }

  arrest(person: string, day: string, notified?: string): this {
    return this.add(person, 'arrest-notification', day, { 'body.arrestedAt': day, 'body.ppo.status': 'selected', 'body.offences[].category': ['burglary'] }, notified ? { notified } : {});
  }

  charge(person: string, day: string, options: { remanded?: boolean; child?: boolean; notified?: string } = {}): this {
    return this.add(person, 'charge-notification', day, { 'body.chargedAt': day, 'body.decision.outcome': options.remanded ? 'remanded-in-custody' : 'police-bail' }, { child: options.child ?? false, ...(options.notified ? { notified: options.notified } : {}) });
  }

  court(person: string, day: string, verdicts: string[], sentence?: string): this {
    return this.add(person, 'court-outcome', day, { 'body.hearingDate': day, 'body.outcomes[].verdict': verdicts, ...(sentence ? { 'body.sentence.type': sentence } : {}) }, { agency: 'nv-court' });
  }

  release(person: string, day: string): this {
    return this.add(person, 'custody-release', day, { 'body.releaseDate': day, 'body.releaseType': 'licence' }, { agency: 'nv-prison' });
  }

  referral(person: string, day: string, need: string): this {
    return this.add(person, 'needs-referral', day, { 'body.need': need, 'body.urgency': 'routine' }, { agency: 'nv-probation' });
  }

  flagUpdate(person: string, day: string): this {
    return this.add(person, 'risk-flag-update', day, { 'body.flags[].code': ['violence'], 'body.flags[].action': ['set'] });
  }

  query(person: string, day: string, agency = 'nv-yot'): this {
    return this.add(person, 'risk-flag-query', day, {}, { agency });
  }
}

export function keyOf(person: string): string {
  return createHash('sha256').update(person).digest('hex');
}
