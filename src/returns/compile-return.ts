import type { LedgerFact } from '../statistics/index.js';
import type { Cell } from './cells.js';
import { isActiveIn, strandIn } from './cohort.js';
import { disclose } from './disclosure-control.js';
import type { DisclosureRules } from './disclosure-rules.js';
import type { MeasureContext, MeasureDefinition } from './measure.js';
import { MEASURES } from './measures/index.js';
import { previousPeriod, type Period } from './period.js';
import { PersonIndex } from './person-index.js';

/**
 * Compiles a return from the ledger's facts up to a position: one pass over
 * the facts, then every measure, then disclosure control. A pure function of
 * (facts, period, rules), so the same period over the same ledger gives the
 * same figures; the caller adds the policy version and the revision.
 */
export interface MeasureResult {
  id: string;
  title: string;
  definition: string;
  feeds: readonly string[];
  cells: Cell[];
}

/** Days before the baseline period and after the period whose events some measure looks at (flags, orphans; re-arrest, sentence). */
const LOOK_BACK_DAYS = 90;
const LOOK_AHEAD_DAYS = 365;

/** `facts`: the ledger's batches (LedgerStore.read), or plain facts (tests). */
export async function compileMeasures(facts: AsyncIterable<readonly LedgerFact[]> | Iterable<LedgerFact>, period: Period, rules: DisclosureRules, measures: readonly MeasureDefinition[] = MEASURES): Promise<MeasureResult[]> {
  const previous = previousPeriod(period);
  const index = new PersonIndex({ from: previous.startDay - LOOK_BACK_DAYS, to: period.endDay + LOOK_AHEAD_DAYS }, { from: period.startDay, to: period.endDay });
  if (Symbol.asyncIterator in facts) {
    for await (const batch of facts) for (const fact of batch) index.add(fact);
  } else for (const fact of facts) index.add(fact);
  const people = index.people();
  const active = people.flatMap((person) => {
    const strand = isActiveIn(person, period) ? strandIn(person, period) : undefined;
    return strand ? [{ person, strand }] : [];
  });
  const context: MeasureContext = { period, previous, people, active, timeliness: index.timeliness };
  return measures.map((measure) => ({ id: measure.id, title: measure.title, definition: measure.definition, feeds: measure.feeds, cells: disclose(measure.id, measure.compute(context), rules) }));
}
