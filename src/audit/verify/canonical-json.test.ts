import canonicalizeModule from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticAuditInput } from '../bulk-load.js';
import { auditEntryInputSchema, finalEntry } from '../entry.js';
import { canonicalJson } from './canonical-json.js';

// The reference implementation (CommonJS, typed as an ES default export).
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

describe('canonicalJson (RFC 8785)', () => {
  it('gives the same text as the canonicalize package for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts by UTF-16 code units and writes numbers the ECMAScript way (RFC 8785 s.3.2.3 example)', () => {
    expect(canonicalJson({ '\u20ac': 'Euro', '\r': 'CR', '\ufb33': 'Hebrew', '1': 'One', '\ud83d\ude00': 'Emoji', '\u0080': 'Control', '\u00f6': 'Latin' })).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Control","\u00f6":"Latin","\u20ac":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
    expect(canonicalJson({ numbers: [333333333.33333329, 1e30, 4.5, 0.002, 1e-27, -0] })).toBe('{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27,0]}');
    expect(canonicalJson({ b: undefined, a: [undefined] })).toBe('{"a":[null]}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
  });

  it('writes entries built in canonical member order (the sort-free path) exactly as the canonicalize package does', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(), fc.string(), (position, seq, reason) => {
        const input = auditEntryInputSchema.parse({ ...syntheticAuditInput(position), reason, isChild: position % 2 === 0 });
        const entry = finalEntry(input, seq, 'ae_0123456789abcdef', '2024-05-01T09:00:00.000Z');
        expect(Object.keys(entry)).toEqual(Object.keys(entry).sort());
        expect(canonicalJson(entry)).toBe(canonicalize(entry));
      }),
      { numRuns: 500 },
    );
  });

  it('sorts members inserted out of order, including array-index-like names', () => {
    const value = { b: 1, a: { d: [{ z: 1, y: 2 }], c: null }, '10': 'ten', '9': 'nine' };
    expect(canonicalJson(value)).toBe(canonicalize(value));
  });
});
