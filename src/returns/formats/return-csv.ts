import type { SchemeReturn } from '../scheme-return.js';
import { returnRows } from './return-rows.js';

/**
 * The return as CSV (RFC 4180: CRLF line ends, fields quoted when they hold
 * a comma, a quote or a line break): one row per published cell.
 */
export const CSV_HEADER = 'measure_id,measure,breakdown,unit,value,note';

export function returnCsv(schemeReturn: SchemeReturn): string {
  const lines = [CSV_HEADER, ...returnRows(schemeReturn).map((row) => [row.measureId, row.measure, row.breakdown, row.unit, row.value, row.note].map(csvField).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: string): string {
  // No cell text comes from a record, but a leading = + - @ would still be a formula to a spreadsheet.
  const safe = /^[=+@]/.test(value) || (/^-/.test(value) && !/^-\d/.test(value)) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
