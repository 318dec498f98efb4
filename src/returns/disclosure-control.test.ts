import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cell, CountFigure } from './cells.js';
import { disclose } from './disclosure-control.js';
import { DEFAULT_DISCLOSURE_RULES } from './disclosure-rules.js';
import { percentOf } from './figures.js';
import { STRANDS } from './person.js';

const RULES = DEFAULT_DISCLOSURE_RULES;

function figure(strands: number[], categories: number[], metric = 'people'): CountFigure {
  return {
    kind: 'count',
    metric,
    label: 'People',
    unit: 'people',
    scheme: strands.reduce((a, b) => a + b, 0),
    strands: { 'prevent-and-deter': strands[0]!, 'catch-and-convict': strands[1]!, 'rehabilitate-and-resettle': strands[2]! },
    breakdown: { dimension: 'status', categories: categories.map((value, index) => ({ category: `c${index}`, value })) },
  };
}

/** What an intruder knows of a withheld cell from its symbol and note, and the rules. */
function knownRange(cell: Cell): [number, number] | undefined {
  if (cell.value !== null) return undefined;
  if (cell.display === '<5') return [1, 4];
  if (cell.note.startsWith('withheld so that a smaller')) return [5, 1000];
  return [0, 1000];
}

/**
 * Every value each withheld cell of one group can take, given the published
 * cells, the symbols and that the parts add up to the total: exhaustive
 * search over whole numbers, independent of the suppression code.
 */
function feasibleValues(total: Cell, parts: Cell[]): Map<number, Set<number>> {
  const possible = new Map<number, Set<number>>();
  parts.forEach((_, index) => possible.set(index, new Set()));
  const totals = total.value !== null ? [total.value] : [1, 2, 3, 4];
  for (const sum of totals) {
    const hidden = parts.map((part, index) => ({ index, range: knownRange(part) })).filter((entry) => entry.range !== undefined);
    const rest = sum - parts.reduce((acc, part) => acc + (part.value ?? 0), 0);
    const chosen: number[] = [];
    const walk = (position: number, remaining: number) => {
      if (position === hidden.length) {
        if (remaining === 0) hidden.forEach((entry, i) => possible.get(entry.index)!.add(chosen[i]!));
        return;
      }
      const [low, high] = hidden[position]!.range!;
      for (let value = low; value <= Math.min(high, remaining); value += 1) {
        chosen[position] = value;
        walk(position + 1, remaining - value);
      }
    };
    walk(0, rest);
  }
  return possible;
}

/** Whether the group's withheld cells can take values adding up to `total`. */
function hasAssignment(total: number, parts: Cell[]): boolean {
  const published = parts.reduce((acc, part) => acc + (part.value ?? 0), 0);
  const ranges = parts.map(knownRange).filter((range) => range !== undefined);
  const low = ranges.reduce((acc, [min]) => acc + min, 0);
  const high = ranges.reduce((acc, [, max]) => acc + max, 0);
  return total - published >= low && total - published <= high;
}

describe('disclosure control', () => {
  it('shows 1 to 4 as <5, keeps 0 and 5, and hides a second cell so the total does not give the first away', () => {
    const cells = disclose('m', [figure([3, 0, 12], [3, 12])], RULES);
    const show = (breakdown: string) => cells.find((cell) => cell.breakdown === breakdown)!.display;
    expect(show('all')).toBe('15');
    expect(show('strand=prevent-and-deter')).toBe('<5');
    expect(show('strand=catch-and-convict')).toBe('0');
    expect(show('strand=rehabilitate-and-resettle')).toBe('[c]');
    expect(show('status=c0')).toBe('<5');
    expect(show('status=c1')).toBe('[c]');
  });

  it('two small cells that would pin each other (4 + 4 = 8) get a third hidden', () => {
    const cells = disclose('m', [figure([4, 4, 9], [17])], RULES);
    expect(cells.filter((cell) => cell.breakdown.startsWith('strand=')).map((cell) => cell.display)).toEqual(['<5', '<5', '[c]']);
  });

  it('no percentage on a denominator under 10, nor on a withheld numerator', () => {
    const make = (numerator: number[], denominator: number[]) => {
      const n = figure(numerator, [], 'n');
      const d = figure(denominator, [], 'd');
      return disclose('m', [n, d, percentOf('share', 'Share', n, d)], RULES).filter((cell) => cell.metric === 'share');
    };
    const small = make([5, 0, 0], [9, 0, 0]);
    expect(small[0]).toMatchObject({ display: '[x]', note: 'not shown: fewer than 10 in the denominator' });
    const hiddenNumerator = make([3, 6, 0], [10, 10, 0]);
    expect(hiddenNumerator.find((cell) => cell.breakdown === 'strand=prevent-and-deter')).toMatchObject({ display: '[x]', value: null });
    expect(hiddenNumerator.find((cell) => cell.breakdown === 'all')).toMatchObject({ display: '45' });
  });

  it('publishes nothing finer than a strand or one breakdown category (aggregate only)', () => {
    const cells = disclose('m', [figure([7, 8, 9], [10, 14])], RULES);
    const allowed = new Set(['all', ...STRANDS.map((strand) => `strand=${strand}`), 'status=c0', 'status=c1']);
    expect(cells.every((cell) => allowed.has(cell.breakdown))).toBe(true);
  });

  it('property: nobody can work out a suppressed cell from the published totals and the other cells', () => {
    const counts = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), counts, (strands, rawCategories) => {
        // The breakdown adds up to the same total as the strands.
        const total = strands[0] + strands[1] + strands[2];
        const categories = [...rawCategories];
        const sum = categories.reduce((a, b) => a + b, 0);
        if (sum > total) return;
        categories.push(total - sum);
        const cells = disclose('m', [figure([...strands], categories)], RULES);
        const totalCell = cells.find((cell) => cell.breakdown === 'all')!;
        for (const prefix of ['strand=', 'status=']) {
          const parts = cells.filter((cell) => cell.breakdown.startsWith(prefix));
          const truth = prefix === 'strand=' ? [...strands] : categories;
          const possible = feasibleValues(totalCell, parts);
          parts.forEach((part, index) => {
            if (part.value !== null) return;
            expect(possible.get(index)!.has(truth[index]!)).toBe(true);
            if (part.display === '<5') expect(possible.get(index)!.size, `${part.breakdown} of ${JSON.stringify(truth)} pinned`).toBeGreaterThan(1);
          });
        }
        if (totalCell.display === '<5') {
          // A hidden total must not be pinned by the two breakdowns together.
          const groups = ['strand=', 'status='].map((prefix) => cells.filter((cell) => cell.breakdown.startsWith(prefix)));
          const totals = [1, 2, 3, 4].filter((t) => groups.every((parts) => hasAssignment(t, parts)));
          expect(totals).toContain(total);
          expect(totals.length, `total ${total} pinned`).toBeGreaterThan(1);
        }
      }),
      { numRuns: 400 },
    );
  });
});
