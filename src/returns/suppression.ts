/**
 * Primary and secondary suppression of additive counts. A group is a total
 * and its parts (the strands of a count, or the categories of a breakdown);
 * parts always add up to the total. Primary: a part or total from 1 to
 * threshold-1 is hidden. Secondary: while anyone who knows the published
 * figures, the rules and the sum could pin a hidden small count to a single
 * value, one more part is hidden (the smallest published non-zero part), or,
 * when none is left, the whole breakdown is withheld.
 *
 * The check is exact for this shape: with the total known, each hidden part
 * lies between bounds set by the others (primary parts between 1 and
 * threshold-1; secondary parts at least the threshold, since they were
 * published-sized), and every whole number between those bounds is possible.
 */
export type Hidden = 'primary' | 'secondary' | 'group' | undefined;

export interface SuppressionCell {
  value: number;
  hidden: Hidden;
}

export interface Group {
  total: SuppressionCell;
  parts: SuppressionCell[];
}

export function suppressPrimary(cell: SuppressionCell, threshold: number): void {
  if (cell.value >= 1 && cell.value < threshold) cell.hidden = 'primary';
}

export function suppressSecondary(group: Group, threshold: number): void {
  for (;;) {
    if (!anyPinned(group, threshold)) return;
    const candidate = group.parts.filter((part) => part.hidden === undefined && part.value > 0).sort((a, b) => a.value - b.value)[0];
    if (candidate) {
      candidate.hidden = 'secondary';
      continue;
    }
    for (const part of group.parts) part.hidden = 'group';
    return;
  }
}

function bounds(cell: SuppressionCell, threshold: number): [number, number] {
  if (cell.hidden === 'primary') return [1, threshold - 1];
  if (cell.hidden === 'secondary') return [threshold, Number.POSITIVE_INFINITY];
  return [0, Number.POSITIVE_INFINITY];
}

/** Whether a hidden small count in the group can be worked out exactly. */
export function anyPinned(group: Group, threshold: number): boolean {
  const hidden = group.parts.filter((part) => part.hidden !== undefined);
  if (hidden.length === 0 || group.parts.some((part) => part.hidden === 'group')) return false;
  const publishedSum = group.parts.filter((part) => part.hidden === undefined).reduce((sum, part) => sum + part.value, 0);
  // Hidden total: every candidate total contributes its possible part values.
  const totals: number[] = group.total.hidden === undefined ? [group.total.value] : range(...bounds(group.total, threshold));
  for (const part of hidden) {
    if (part.hidden !== 'primary') continue;
    const possible = new Set<number>();
    for (const total of totals) {
      const rest = total - publishedSum;
      const others = hidden.filter((other) => other !== part).map((other) => bounds(other, threshold));
      const othersLow = others.reduce((sum, [low]) => sum + low, 0);
      const othersHigh = others.reduce((sum, [, high]) => sum + high, 0);
      const [low, high] = bounds(part, threshold);
      for (let value = Math.max(low, rest - othersHigh); value <= Math.min(high, rest - othersLow); value += 1) possible.add(value);
      if (possible.size > 1) break;
    }
    if (possible.size <= 1) return true;
  }
  return false;
}

function range(low: number, high: number): number[] {
  const out: number[] = [];
  for (let value = low; value <= high && out.length < 1000; value += 1) out.push(value);
  return out;
}
