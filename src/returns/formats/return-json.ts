import type { SchemeReturn } from '../scheme-return.js';

/** The return as JSON: members in a fixed order (as built), two-space indent, one final newline. */
export function returnJson(schemeReturn: SchemeReturn): string {
  return `${JSON.stringify(schemeReturn, null, 2)}\n`;
}
