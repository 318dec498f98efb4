/**
 * CSV as RFC 4180 describes it: CRLF between records, a field holding a comma,
 * a double quote, CR or LF is enclosed in double quotes with inner quotes
 * doubled.
 *
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR, which some
 * strip first) as a formula ("CSV injection", OWASP). An exported audit log is
 * opened by DPOs in exactly those programs, so such a cell gets a leading
 * apostrophe, which spreadsheets show as text.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
