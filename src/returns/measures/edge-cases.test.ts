import { describe, expect, it } from 'vitest';
import { compileMeasures } from '../compile-return.js';
import type { DisclosureRules } from '../disclosure-rules.js';
import { parsePeriod } from '../period.js';
import { FactLog } from '../test-facts.js';
import { MEASURES } from './index.js';

/**
 * Every measure on every edge case: each history below is compiled with
 * disclosure control off and each measure's cells must hold together: whole,
 * non-negative counts; strands and breakdown categories that add up to the
 * scheme's count; derived figures that are numbers or "not applicable",
 * never NaN; and, for one person, no count of people above one. The values
 * themselves are checked measure by measure in measures.test.ts.
 */
const RAW: DisclosureRules = { suppressBelow: 1, minDenominator: 1, minMedianValues: 1, minComparisonCohort: 1 };
const Q1 = parsePeriod('2026-Q1');

const EDGE_CASES: Record<string, () => FactLog> = {
  'no events': () => new FactLog(),
  'a single person with one of everything': () =>
    new FactLog().select('p', '2025-10-01').arrest('p', '2026-02-01').charge('p', '2026-02-02').court('p', '2026-02-20', ['convicted'], 'immediate-custody').release('p', '2026-03-10').referral('p', '2026-03-11', 'housing').flagUpdate('p', '2026-03-12').query('p', '2026-02-01'),
  'events on the first and last day and just outside': () =>
    new FactLog()
      .select('a', '2026-01-01').arrest('a', '2026-01-01').arrest('a', '2025-12-31').charge('a', '2026-03-31').court('a', '2026-04-01', ['convicted'], 'fine')
      .select('b', '2025-12-31').deselect('b', '2026-03-31').arrest('b', '2026-03-31').release('b', '2026-01-01').referral('b', '2025-12-04', 'education'),
  'deselection in the middle of the period': () => new FactLog().select('a', '2025-06-01').arrest('a', '2026-01-10').deselect('a', '2026-02-15').arrest('a', '2026-03-01').charge('a', '2026-03-02'),
  'a child turning 18 in the period': () =>
    new FactLog().select('kid', '2025-09-01', 'prevent-and-deter', { child: true }).charge('kid', '2026-01-05', { child: true }).add('kid', 'needs-referral', '2026-02-20', { 'body.need': 'education' }, { child: false }).select('kid', '2026-03-01', 'catch-and-convict', { previous: 'selected' }),
};

describe.each(Object.entries(EDGE_CASES))('%s', (_name, history) => {
  it.each(MEASURES.map((measure) => [measure.id]))('%s holds together', async (measureId) => {
    const [measure] = await compileMeasures(history().facts, Q1, RAW, MEASURES.filter((candidate) => candidate.id === measureId));
    expect(measure!.cells.length).toBeGreaterThan(0);
    const byMetric = new Map<string, NonNullable<typeof measure>["cells"]>();
    for (const cell of measure!.cells) byMetric.set(cell.metric, [...(byMetric.get(cell.metric) ?? []), cell]);
    for (const [metric, cells] of byMetric) {
      const total = cells.find((cell) => cell.breakdown === 'all')!;
      if (total.unit === 'people' || total.unit === 'events') {
        for (const cell of cells) expect(Number.isInteger(cell.value) && cell.value! >= 0, `${metric} ${cell.breakdown}`).toBe(true);
        for (const dimension of new Set(cells.filter((cell) => cell.breakdown !== 'all').map((cell) => cell.breakdown.split('=')[0]))) {
          const parts = cells.filter((cell) => cell.breakdown.startsWith(`${dimension}=`));
          expect(parts.reduce((sum, cell) => sum + cell.value!, 0), `${metric} by ${dimension}`).toBe(total.value);
        }
        if (_name.startsWith('a single person') && total.unit === 'people') expect(total.value).toBeLessThanOrEqual(1);
      } else {
        for (const cell of cells) {
          if (cell.value === null) expect(cell.display, `${metric} ${cell.breakdown}`).toBe('[z]');
          else expect(Number.isFinite(cell.value), `${metric} ${cell.breakdown}`).toBe(true);
        }
      }
    }
  });
});
