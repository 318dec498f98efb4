import type { Generalisation } from './rule-schema.js';

/**
 * Generalisations make a value less identifying by keeping only a leading
 * part of it, so a generalised value never says more than the original (data
 * minimisation, DPA 2018 s.37 and UK GDPR Art 5(1)(c)). A value of the wrong
 * shape is withheld (undefined) rather than passed through.
 */

const DATE_PREFIX = /^(\d{4})-\d{2}-\d{2}/;
// A calendar date, or the date part of an RFC 3339 date-time (its time of day is dropped).
const DAY_PREFIX = /^(\d{4}-\d{2}-\d{2})(?:$|T)/;
// BS 7666 postcode: outward code (area + district) then inward code (sector digit + unit).
const POSTCODE = /^([A-Z]{1,2}\d[A-Z\d]?) ?\d[A-Z]{2}$/i;

function generaliseString(value: string, how: Generalisation): string | undefined {
  switch (how) {
    case 'year':
      return DATE_PREFIX.exec(value)?.[1];
    case 'day':
      return DAY_PREFIX.exec(value)?.[1];
    case 'postcode-district': {
      const outward = POSTCODE.exec(value.trim())?.[1];
      return outward?.toUpperCase() === outward ? outward : undefined;
    }
    case 'initials': {
      // The first letter of each word: "Alex" -> "A", "Mary Ann" -> "MA".
      const initials = value
        .split(/[\s-]+/u)
        .map((word) => [...word][0] ?? '')
        .filter((letter) => /\p{L}/u.test(letter))
        .join('');
      return initials.length > 0 ? initials : undefined;
    }
  }
}

/**
 * Generalises a value or, for an object or array (a name, an address), every
 * string inside it; parts that cannot be generalised are left out. Returns
 * undefined when nothing is left.
 */
export function generaliseValue(value: unknown, how: Generalisation): unknown {
  if (typeof value === 'string') return generaliseString(value, how);
  if (Array.isArray(value)) {
    const out = value.map((item) => generaliseValue(item, how)).filter((item) => item !== undefined);
    return out.length > 0 ? out : undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const g = generaliseValue(child, how);
      if (g !== undefined) out[key] = g;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return undefined;
}
