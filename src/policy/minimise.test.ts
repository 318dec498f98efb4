import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generaliseValue } from './generalise.js';
import { minimise } from './minimise.js';
import type { DiscloseEntry } from './policy-set.js';
import { GENERALISATIONS } from './rule-schema.js';

const record = {
  type: 'needs-referral',
  purpose: 'education-support',
  actor: { id: 'PRB-2204', role: 'offender-manager' },
  subject: { name: { given: 'Alex', family: 'Testperson' }, dateOfBirth: '1999-04-17', identifiers: { crn: 'N482193' } },
  body: {
    currentAddress: { line1: '2 Mill Road', town: 'Northvale', postcode: 'NV1 2AB' },
    offences: [{ code: 'TH68010', category: 'burglary' }, { code: 'TH68062' }],
    tags: ['a', 'b'],
  },
};

describe('minimise', () => {
  it('keeps only allowed paths (and type and purpose) and lists disclosed and withheld leaves', () => {
    const result = minimise(record, { disclose: [{ path: 'subject.name.given' }, { path: 'body.offences[].category' }] });
    expect(result.record).toEqual({
      type: 'needs-referral',
      purpose: 'education-support',
      subject: { name: { given: 'Alex' } },
      body: { offences: [{ category: 'burglary' }] },
    });
    expect(result.disclosed).toEqual(['body.offences[].category', 'subject.name.given']);
    expect(result.withheld).toContain('actor.id');
    expect(result.withheld).toContain('body.offences[].code');
    expect(result.withheld).toContain('body.tags[]');
    expect(result.withheld).not.toContain('subject.name.given');
  });

  it('a branch entry allows everything below it, and a withheld path beats it', () => {
    const result = minimise(record, { disclose: [{ path: 'body' }], withhold: ['body.currentAddress'] });
    expect(result.record.body).toEqual({ offences: record.body.offences, tags: ['a', 'b'] });
    expect(result.withheld).toContain('body.currentAddress.postcode');
  });

  it('generalises a date of birth to its year', () => {
    const result = minimise(record, { disclose: [{ path: 'subject.dateOfBirth', generalise: 'year' }] });
    expect(result.record.subject).toEqual({ dateOfBirth: '1999' });
    expect(result.generalised).toEqual(['subject.dateOfBirth']);
  });

  it('generalises an address to the postcode district and drops the rest of it', () => {
    const result = minimise(record, { disclose: [{ path: 'body.currentAddress', generalise: 'postcode-district' }] });
    expect(result.record.body).toEqual({ currentAddress: { postcode: 'NV1' } });
    expect(result.withheld).toContain('body.currentAddress.line1');
  });

  it('generalises a name to initials', () => {
    const result = minimise(record, { disclose: [{ path: 'subject.name', generalise: 'initials' }] });
    expect(result.record.subject).toEqual({ name: { given: 'A', family: 'T' } });
    expect(generaliseValue('Mary-Jane de Vries', 'initials')).toBe('MJdV');
  });

  it('withholds a value of the wrong shape rather than passing it through', () => {
    expect(generaliseValue('not a date', 'year')).toBeUndefined();
    expect(generaliseValue('Northvale', 'postcode-district')).toBeUndefined();
    expect(generaliseValue(42, 'initials')).toBeUndefined();
    const result = minimise(record, { disclose: [{ path: 'body.currentAddress.town', generalise: 'year' }] });
    expect(result.record.body).toBeUndefined();
    expect(result.disclosed).toEqual([]);
  });

  it('a plain entry wins over a generalised one for the same path', () => {
    const result = minimise(record, { disclose: [{ path: 'subject.dateOfBirth', generalise: 'year' }, { path: 'subject.dateOfBirth' }] });
    expect(result.record.subject).toEqual({ dateOfBirth: '1999-04-17' });
  });

  it('does not change its input', () => {
    const copy = structuredClone(record);
    minimise(record, { disclose: [{ path: 'body' }], withhold: ['body.tags'] });
    expect(record).toEqual(copy);
  });
});

// --- property: the output never holds a field or value the input did not ---

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const KEYS = ['a', 'b', 'c', 'name', 'postcode', 'dateOfBirth'];
const leafValue = fc.oneof(
  fc.constantFrom('2010-06-01', 'NV1 2AB', 'Alex Testperson', 'Jordan', ''),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec<{ tree: Json }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafValue,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('tree'), { maxKeys: 4 }),
  ),
}));
const pathArb = fc
  .array(fc.tuple(fc.constantFrom(...KEYS), fc.boolean()), { minLength: 1, maxLength: 4 })
  .map((parts) => ['body', ...parts.map(([k, arr]) => (arr ? `${k}[]` : k))].join('.'));
const entryArb: fc.Arbitrary<DiscloseEntry> = fc.record(
  { path: pathArb, generalise: fc.constantFrom(...GENERALISATIONS) },
  { requiredKeys: ['path'] },
);

/** (path without array marks, value) pairs of every scalar leaf. */
function leaves(value: unknown, prefix: string, out: Array<[string, unknown]>): void {
  if (Array.isArray(value)) for (const item of value) leaves(item, prefix, out);
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) leaves(v, `${prefix}.${k}`, out);
  else out.push([prefix, value]);
}

function couldComeFrom(outValue: unknown, inValue: unknown): boolean {
  if (Object.is(outValue, inValue)) return true;
  if (typeof inValue !== 'string') return false;
  return GENERALISATIONS.some((g) => generaliseValue(inValue, g) === outValue);
}

describe('minimise property', () => {
  it('never outputs a field or value that the input did not hold, nor a path outside the allow-list', () => {
    fc.assert(
      fc.property(tree, fc.array(entryArb, { maxLength: 5 }), fc.array(pathArb, { maxLength: 2 }), (body, disclose, withhold) => {
        const input = { type: 't', purpose: 'p', body };
        const result = minimise(input, { disclose, withhold });
        const inLeaves: Array<[string, unknown]> = [];
        leaves(input.body, 'body', inLeaves);
        const outLeaves: Array<[string, unknown]> = [];
        if (result.record.body !== undefined) leaves(result.record.body, 'body', outLeaves);
        const allowed = disclose.map((d) => d.path.replaceAll('[]', ''));
        const banned = withhold.map((w) => w.replaceAll('[]', ''));
        const within = (p: string, prefix: string) => p === prefix || p.startsWith(`${prefix}.`);
        for (const [path, value] of outLeaves) {
          expect(inLeaves.some(([p, v]) => p === path && couldComeFrom(value, v))).toBe(true);
          expect(allowed.some((a) => within(path, a))).toBe(true);
          expect(banned.some((b) => within(path, b))).toBe(false);
        }
        // Disclosed and withheld never overlap, and no top-level key is invented.
        for (const d of result.disclosed) expect(result.withheld).not.toContain(d);
        expect(Object.keys(result.record).every((k) => k in input)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
