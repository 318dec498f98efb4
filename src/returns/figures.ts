import { median } from './days.js';
import type { CountFigure, DerivedFigure, DerivedValue } from './cells.js';
import type { MeasureContext } from './measure.js';
import { STRANDS, type Person, type Strand } from './person.js';

/**
 * Small builders so each measure reads as its definition: count something
 * per active person (scheme and strands), or derive a share, a rate or a
 * median from counts computed the same way.
 */
type Active = MeasureContext['active'][number];

export function countPeople(context: MeasureContext, metric: string, label: string, test: (person: Person, strand: Strand) => boolean): CountFigure {
  return countOver(context, metric, label, 'people', (entry) => (test(entry.person, entry.strand) ? 1 : 0));
}

/** The active cohort itself: the denominator of the shares and per-head rates. */
export function countActive(context: MeasureContext): CountFigure {
  return countPeople(context, 'active', 'Active cohort', () => true);
}

export function countEvents(context: MeasureContext, metric: string, label: string, count: (person: Person, strand: Strand) => number): CountFigure {
  return countOver(context, metric, label, 'events', (entry) => count(entry.person, entry.strand));
}

function countOver(context: MeasureContext, metric: string, label: string, unit: 'people' | 'events', each: (entry: Active) => number): CountFigure {
  const strands = Object.fromEntries(STRANDS.map((strand) => [strand, 0])) as Record<Strand, number>;
  let scheme = 0;
  for (const entry of context.active) {
    const value = each(entry);
    scheme += value;
    strands[entry.strand] += value;
  }
  return { kind: 'count', metric, label, unit, scheme, strands };
}

/** A share of two counts of the same figure set, in every scope. */
export function percentOf(metric: string, label: string, numerator: CountFigure, denominator: CountFigure): DerivedFigure {
  const share = (n: number, d: number): DerivedValue => ({ value: d === 0 ? undefined : (100 * n) / d, numerator: numerator.metric, denominator: denominator.metric });
  return {
    kind: 'derived',
    metric,
    label,
    unit: 'percent',
    scheme: share(numerator.scheme, denominator.scheme),
    strands: Object.fromEntries(STRANDS.map((strand) => [strand, share(numerator.strands![strand], denominator.strands![strand])])) as Record<Strand, DerivedValue>,
  };
}

/** Events per person (or per event), in every scope. */
export function rateOf(metric: string, label: string, numerator: CountFigure, denominator: CountFigure): DerivedFigure {
  const rate = (n: number, d: number): DerivedValue => ({ value: d === 0 ? undefined : n / d, numerator: numerator.metric, denominator: denominator.metric });
  return {
    kind: 'derived',
    metric,
    label,
    unit: 'rate',
    scheme: rate(numerator.scheme, denominator.scheme),
    strands: Object.fromEntries(STRANDS.map((strand) => [strand, rate(numerator.strands![strand], denominator.strands![strand])])) as Record<Strand, DerivedValue>,
  };
}

/** The median of values collected per active person, in every scope. */
export function medianOver(context: MeasureContext, metric: string, label: string, values: (person: Person, strand: Strand) => number[], basis?: string): DerivedFigure {
  const all: number[] = [];
  const byStrand = Object.fromEntries(STRANDS.map((strand) => [strand, [] as number[]])) as Record<Strand, number[]>;
  for (const entry of context.active) {
    const found = values(entry.person, entry.strand);
    all.push(...found);
    byStrand[entry.strand].push(...found);
  }
  const of = (list: number[]): DerivedValue => ({ value: median(list), values: list.length, ...(basis ? { numerator: basis } : {}) });
  return {
    kind: 'derived',
    metric,
    label,
    unit: 'days',
    scheme: of(all),
    strands: Object.fromEntries(STRANDS.map((strand) => [strand, of(byStrand[strand])])) as Record<Strand, DerivedValue>,
  };
}

/** Days of a person's events inside the period. */
export function within(days: readonly number[], from: number, to: number): number[] {
  return days.filter((day) => day >= from && day <= to);
}

/** The first day in `days` on or after `from` (and before `before`, when given). */
export function firstOnOrAfter(days: readonly number[], from: number, before = Number.POSITIVE_INFINITY): number | undefined {
  for (const day of days) if (day >= from && day < before) return day;
  return undefined;
}
