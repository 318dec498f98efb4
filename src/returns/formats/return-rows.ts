import type { SchemeReturn } from '../scheme-return.js';

/** One published cell per row, as the CSV and the workbook both list them. */
export interface ReturnRow {
  measureId: string;
  measure: string;
  breakdown: string;
  unit: string;
  value: string;
  note: string;
  scope: string;
}

export function returnRows(schemeReturn: SchemeReturn): ReturnRow[] {
  return schemeReturn.measures.flatMap((measure) =>
    measure.cells.map((cell) => ({
      measureId: `${measure.id}.${cell.metric}`,
      measure: `${measure.title}: ${cell.label}`,
      breakdown: cell.breakdown,
      unit: cell.unit,
      value: cell.display,
      note: cell.note,
      scope: cell.scope,
    })),
  );
}
