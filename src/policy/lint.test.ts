import { describe, expect, it } from 'vitest';
import { lintPolicySet } from './lint.js';
import { loadPolicySet } from './load-policy-set.js';
import { messageSchemasFromMessages } from './message-schemas.js';
import { loadWith, permitYaml, policiesDir } from './test-support.js';

const withConditions = (id: string, conditions: string, extra = '') =>
  permitYaml(id, extra, `    conditions:\n${conditions}`);

describe('policy lint', () => {
  it('the Northvale protocol lints clean', async () => {
    const set = await loadPolicySet(policiesDir, messageSchemasFromMessages());
    expect(lintPolicySet(set).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it.each([
    ['contradictory equals', '      - { path: body.custodyStatus, equals: charged }\n      - { path: body.custodyStatus, equals: in-custody }\n', /allow no value/],
    ['equals outside in', '      - { path: body.custodyStatus, equals: charged }\n      - { path: body.custodyStatus, in: [in-custody] }\n', /allow no value/],
    ['exists and not exists', '      - { path: body.custodyStatus, exists: true }\n      - { path: body.custodyStatus, exists: false }\n', /both exist and not exist/],
    ['an empty range', '      - { path: body.offences[].code, range: { min: 5, max: 1 } }\n', /min above max/],
    ['an empty date range', '      - { path: body.arrestedAt, dateRange: { from: "2026-02-01", to: "2026-01-01" } }\n', /ends before it starts/],
    ['an impossible age', '      - { subjectAge: { min: 18 } }\n      - { subjectAge: { max: 17 } }\n', /no possible age/],
    ['a child-only rule not marked children: true', '      - { subjectAge: { max: 17 } }\n', /not marked `children: true`/],
  ])('reports a rule no message could match: %s', async (_what, conditions, message) => {
    const set = await loadWith({ 'a.yaml': withConditions('p-test', conditions.replace('body.offences[].code', '"body.offences[].code"')) });
    const errors = lintPolicySet(set).filter((f) => f.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ ruleId: 'p-test', line: 3, message: expect.stringMatching(message) });
    expect(errors[0]!.file).toMatch(/a\.yaml$/);
  });

  it('warns about a permit a forbid always overrides, but not one it only sometimes does', async () => {
    const forbid = (conditions: string) => `version: 1
rules:
  - id: f-test
    effect: forbid
    description: Test forbid.
    clause: "T.9"
    to: { roles: [probation, housing] }
    legalBases: [dpa-2018-s35]
${conditions}`;
    const shadowed = lintPolicySet(await loadWith({ 'a.yaml': permitYaml('p-test'), 'b.yaml': forbid('') }));
    expect(shadowed.find((f) => f.ruleId === 'p-test')).toMatchObject({ severity: 'warning', message: expect.stringMatching(/refused by forbid `f-test`/) });
    const partial = lintPolicySet(await loadWith({ 'a.yaml': permitYaml('p-test'), 'b.yaml': forbid('    conditions:\n      - { path: body.custodyStatus, equals: charged }\n') }));
    expect(partial.find((f) => f.ruleId === 'p-test')).toBeUndefined();
  });

  it('warns about catalog entries no rule uses, with their catalog line', async () => {
    const findings = lintPolicySet(await loadWith({ 'a.yaml': permitYaml('p-test') }));
    const unused = findings.find((f) => f.message.includes('purposes.prosecution'));
    expect(unused).toMatchObject({ severity: 'warning' });
    expect(unused!.file).toMatch(/catalog\.yaml$/);
    expect(unused!.line).toBeGreaterThan(1);
    expect(findings.some((f) => f.message.includes('purposes.catch-and-convict'))).toBe(false);
  });
});
