import type { Cell } from './cells.js';
import type { MeasureResult } from './compile-return.js';

/** The cell of a compiled return (throws when it is missing, so a test cannot pass on a typo). */
export function cellOf(measures: readonly MeasureResult[], measureId: string, metric: string, breakdown = 'all'): Cell {
  const cell = measures.find((measure) => measure.id === measureId)?.cells.find((candidate) => candidate.metric === metric && candidate.breakdown === breakdown);
  if (!cell) throw new Error(`no cell ${measureId}.${metric} [${breakdown}]`);
  return cell;
}
