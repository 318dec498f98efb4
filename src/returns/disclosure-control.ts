import type { Cell, CountFigure, DerivedFigure, DerivedValue, Figure, Scope } from './cells.js';
import { SYMBOLS, smallLabel, type DisclosureRules } from './disclosure-rules.js';
import { STRANDS } from './person.js';
import { suppressPrimary, suppressSecondary, type Group, type SuppressionCell } from './suppression.js';

/**
 * Turns one measure's figures into the cells a return publishes, applying the
 * disclosure rules. Returns are aggregate only: nothing below a strand or a
 * breakdown category is ever produced, so no cell can be drilled down to a
 * person (statistics may not feed decisions about individuals: DPA 2018
 * s.41(1)(a), s.19(2)).
 */
interface Slot {
  scope: Scope;
  breakdown: string;
  cell: SuppressionCell;
}

const NOTES = {
  primary: (rules: DisclosureRules) => `fewer than ${rules.suppressBelow}`,
  secondary: 'withheld so that a smaller count cannot be worked out from the total',
  group: 'breakdown withheld so that a small count cannot be worked out',
  restsOnWithheld: 'withheld: it rests on a withheld count',
  denominator: (rules: DisclosureRules) => `not shown: fewer than ${rules.minDenominator} in the denominator`,
  medianValues: (rules: DisclosureRules) => `not shown: fewer than ${rules.minMedianValues} values`,
  comparison: (rules: DisclosureRules) => `not shown: a before/after comparison needs a cohort of at least ${rules.minComparisonCohort}`,
  none: 'nothing to measure in the period',
};

export function disclose(measureId: string, figures: readonly Figure[], rules: DisclosureRules): Cell[] {
  const counts = new Map<string, Slot[]>();
  for (const figure of figures) if (figure.kind === 'count') counts.set(figure.metric, suppressCount(figure, rules));
  const cells: Cell[] = [];
  for (const figure of figures) {
    if (figure.kind === 'count') cells.push(...counts.get(figure.metric)!.map((slot) => countCell(measureId, figure, slot, rules)));
    else cells.push(...derivedCells(measureId, figure, counts, rules));
  }
  return cells;
}

function suppressCount(figure: CountFigure, rules: DisclosureRules): Slot[] {
  const total: Slot = { scope: 'scheme', breakdown: 'all', cell: { value: figure.scheme, hidden: undefined } };
  const strands: Slot[] = figure.strands ? STRANDS.map((strand) => ({ scope: strand, breakdown: `strand=${strand}`, cell: { value: figure.strands![strand], hidden: undefined } })) : [];
  const categories: Slot[] = (figure.breakdown?.categories ?? []).map((entry) => ({ scope: 'scheme', breakdown: `${figure.breakdown!.dimension}=${entry.category}`, cell: { value: entry.value, hidden: undefined } }));
  const slots = [total, ...strands, ...categories];
  for (const slot of slots) suppressPrimary(slot.cell, rules.suppressBelow);
  const groups: Group[] = [strands, categories].filter((parts) => parts.length > 0).map((parts) => ({ total: total.cell, parts: parts.map((slot) => slot.cell) }));
  for (const group of groups) suppressSecondary(group, rules.suppressBelow);
  return slots;
}

function countCell(measureId: string, figure: CountFigure, slot: Slot, rules: DisclosureRules): Cell {
  const base = { measureId, metric: figure.metric, label: figure.label, unit: figure.unit, breakdown: slot.breakdown, scope: slot.scope };
  switch (slot.cell.hidden) {
    case 'primary':
      return { ...base, value: null, display: smallLabel(rules), note: NOTES.primary(rules) };
    case 'secondary':
      return { ...base, value: null, display: SYMBOLS.secondary, note: NOTES.secondary };
    case 'group':
      return { ...base, value: null, display: SYMBOLS.secondary, note: NOTES.group };
    default:
      return { ...base, value: slot.cell.value, display: String(slot.cell.value), note: '' };
  }
}

function derivedCells(measureId: string, figure: DerivedFigure, counts: Map<string, Slot[]>, rules: DisclosureRules): Cell[] {
  const entries: Array<{ scope: Scope; breakdown: string; value: DerivedValue }> = [{ scope: 'scheme', breakdown: 'all', value: figure.scheme }];
  if (figure.strands) for (const strand of STRANDS) entries.push({ scope: strand, breakdown: `strand=${strand}`, value: figure.strands[strand] });
  for (const entry of figure.breakdown?.categories ?? []) entries.push({ scope: 'scheme', breakdown: `${figure.breakdown!.dimension}=${entry.category}`, value: entry });
  return entries.map(({ scope, breakdown, value }) => {
    const base = { measureId, metric: figure.metric, label: figure.label, unit: figure.unit, breakdown, scope };
    const withheld = (display: string, note: string): Cell => ({ ...base, value: null, display, note });
    const basis = (metric: string | undefined) => (metric === undefined ? undefined : counts.get(metric)?.find((slot) => slot.breakdown === breakdown)?.cell);
    const numerator = basis(value.numerator);
    const denominator = basis(value.denominator);
    if (value.value === undefined) return withheld(SYMBOLS.none, NOTES.none);
    if (value.comparisonCohort !== undefined && value.comparisonCohort < rules.minComparisonCohort) return withheld(SYMBOLS.rule, NOTES.comparison(rules));
    if (numerator?.hidden !== undefined || denominator?.hidden !== undefined) return withheld(SYMBOLS.rule, NOTES.restsOnWithheld);
    if ((figure.unit === 'percent' || figure.unit === 'rate') && denominator !== undefined && denominator.value < rules.minDenominator) return withheld(SYMBOLS.rule, NOTES.denominator(rules));
    if (value.values !== undefined && value.values < rules.minMedianValues) return withheld(SYMBOLS.rule, NOTES.medianValues(rules));
    const rounded = roundFor(figure.unit, value.value);
    return { ...base, value: rounded, display: String(rounded), note: '' };
  });
}

/** Percentages and days to one decimal place, rates to two. */
export function roundFor(unit: DerivedFigure['unit'], value: number): number {
  const places = unit === 'rate' ? 100 : 10;
  return Math.round(value * places) / places;
}
