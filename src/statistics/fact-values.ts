import type { FactValue } from './fact.js';

/**
 * The second lock on the ledger's door. The statistics permits already name
 * only coded fields; this refuses, whatever a permit says, any value that is
 * not a short code, a day, a small number or a boolean, and any field outside
 * the record's body. So free text, a name, an address or an identifier can
 * never be written, even through a mistaken allow-list entry (UK GDPR
 * Art.89(1): data minimisation as a safeguard for statistics).
 */
const CODE = /^[a-z][a-z0-9-]{0,47}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isSafeFactValue(value: unknown): value is FactValue {
  if (typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 100_000;
  return typeof value === 'string' && (CODE.test(value) || DAY.test(value));
}

/** Only body fields: the subject and the actor are people, `to` names recipients. */
export function isFactPath(path: string): boolean {
  return path.startsWith('body.') && !path.endsWith('[]');
}
