/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation.
 *
 * - Strings and numbers are written exactly as ECMAScript's JSON.stringify
 *   writes them (RFC 8785 s.3.2.2.2 and s.3.2.2.3 adopt those rules).
 * - Object members are sorted by their names compared as arrays of UTF-16
 *   code units (s.3.2.3), which is what Array.prototype.sort does by default.
 * - No whitespace. Members whose value is undefined are left out, as
 *   JSON.stringify leaves them out.
 *
 * Written here rather than taken from the `canonicalize` package because the
 * audit log canonicalises every entry on the append path: the fast path
 * copies the value with its members inserted in sorted order and lets the
 * engine's JSON.stringify (which keeps insertion order for non-index names)
 * write it. Objects with array-index-like names ("1"), which engines
 * always enumerate first, take the slower general path. A property test
 * checks that the result equals the `canonicalize` package's.
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(sortedCopy(value));
  } catch (error) {
    if (error !== INDEX_LIKE_NAME) throw error;
    return generalCanonicalJson(value);
  }
}

const INDEX_LIKE_NAME = Symbol('index-like member name');
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

function sortedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('RFC 8785 has no form for NaN or Infinity');
    if (typeof value === 'bigint' || typeof value === 'symbol') throw new TypeError(`RFC 8785 has no form for a ${typeof value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortedCopy((value as { toJSON: () => unknown }).toJSON());
  const record = value as Record<string, unknown>;
  const copy = Object.create(null) as Record<string, unknown>; // so a member named __proto__ stays a member
  for (const name of Object.keys(record).sort()) {
    if (INDEX_LIKE.test(name)) throw INDEX_LIKE_NAME;
    copy[name] = sortedCopy(record[name]);
  }
  return copy;
}

function generalCanonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('RFC 8785 has no form for NaN or Infinity');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let position = 0; position < value.length; position += 1) {
          if (position > 0) text += ',';
          const item: unknown = value[position];
          text += item === undefined || typeof item === 'function' ? 'null' : generalCanonicalJson(item);
        }
        return `${text}]`;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return generalCanonicalJson((value as { toJSON: () => unknown }).toJSON());
      }
      const record = value as Record<string, unknown>;
      const names = Object.keys(record).sort();
      let text = '{';
      let first = true;
      for (const name of names) {
        const member = record[name];
        if (member === undefined || typeof member === 'function') continue;
        if (!first) text += ',';
        first = false;
        text += `${JSON.stringify(name)}:${generalCanonicalJson(member)}`;
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`RFC 8785 has no form for a ${typeof value}`);
  }
}
