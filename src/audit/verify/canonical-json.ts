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
 * audit log canonicalises every entry on the append path. It writes the text
 * directly, in sorted member order, and quotes a string itself when it holds
 * nothing JSON must escape (the common case: codes, hex keys, ISO times),
 * leaving JSON.stringify only the strings that need escapes, and skips the
 * sort when an object's members were inserted in order already (the audit
 * appender builds entries that way). A property test
 * checks that the result equals the `canonicalize` package's.
 */
export function canonicalJson(value: unknown): string {
  return write(value);
}

/** No quote, backslash, control character or surrogate: JSON.stringify would write it unchanged. */
const NEEDS_NO_ESCAPE = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function quote(text: string): string {
  return NEEDS_NO_ESCAPE.test(text) ? `"${text}"` : JSON.stringify(text);
}

function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('RFC 8785 has no form for NaN or Infinity');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return writeArray(value);
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return write((value as { toJSON: () => unknown }).toJSON());
      return writeObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`RFC 8785 has no form for a ${typeof value}`);
  }
}

function writeArray(items: readonly unknown[]): string {
  let text = '[';
  for (let position = 0; position < items.length; position += 1) {
    if (position > 0) text += ',';
    const item = items[position];
    // JSON.stringify writes null for array items it cannot represent.
    text += item === undefined || typeof item === 'function' ? 'null' : write(item);
  }
  return `${text}]`;
}

function writeObject(record: Record<string, unknown>): string {
  let text = '{';
  for (const name of sortedNames(record)) {
    const member = record[name];
    if (member === undefined || typeof member === 'function') continue;
    if (text.length > 1) text += ',';
    text += `${quote(name)}:${write(member)}`;
  }
  return `${text}}`;
}

/** Member names in UTF-16 code unit order; a linear check spares the sort when they already are. */
function sortedNames(record: Record<string, unknown>): string[] {
  const names = Object.keys(record);
  for (let position = 1; position < names.length; position += 1) {
    if ((names[position - 1] as string) > (names[position] as string)) return names.sort();
  }
  return names;
}
