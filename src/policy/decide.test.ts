import { describe, expect, it } from 'vitest';
import { decide, recipientsFor } from './decide.js';
import { loadPolicySet } from './load-policy-set.js';
import { messageSchemasFromMessages } from './message-schemas.js';
import { minimise } from './minimise.js';
import { example, loadWith, permitYaml, policiesDir } from './test-support.js';

const now = new Date('2026-11-25T12:00:00Z');
const police = { id: 'nv-police', role: 'police' };
const probation = { id: 'nv-probation', role: 'probation' };
const yot = { id: 'nv-yot', role: 'yot' };

const forbidYaml = (extra: string) => `version: 1
rules:
  - id: f-test
    effect: forbid
    description: Test forbid.
    clause: "T.9"
    legalBases: [dpa-2018-s35]
${extra}`;

describe('decide', () => {
  it('denies by default, naming no rule', async () => {
    const set = await loadWith({ 'a.yaml': 'version: 1\nrules: []\n' });
    const decision = decide(set, await example('arrest-notification'), police, probation, { now });
    expect(decision).toMatchObject({ effect: 'deny', ruleIds: [], obligations: null, purpose: 'catch-and-convict', policyVersion: set.version });
    expect(decision.explanation).toMatch(/^Refused: no rule permits Northvale Constabulary .* refuses by default\.$/);
  });

  it('permits under a matching rule with its obligations, legal bases and a readable sentence', async () => {
    const set = await loadWith({ 'a.yaml': permitYaml('p-test') });
    const decision = decide(set, await example('arrest-notification'), police, probation, { now });
    expect(decision).toMatchObject({ effect: 'permit', ruleIds: ['p-test'], legalBases: ['cda-1998-s115'], isChild: false });
    expect(decision.obligations).toMatchObject({ marking: 'OFFICIAL', retainDays: 30, notify: [] });
    expect(decision.explanation).toContain('Crime and Disorder Act 1998, section 115');
    expect(decision.explanation).toContain('Catch and Convict');
    expect(decision.explanation).not.toContain('Testperson');
  });

  it('a rule for another sender, recipient, type or purpose does not apply', async () => {
    const set = await loadWith({ 'a.yaml': permitYaml('p-test') });
    const message = await example('arrest-notification');
    expect(decide(set, message, probation, police, { now }).effect).toBe('deny');
    expect(decide(set, message, police, yot, { now }).effect).toBe('deny');
    expect(decide(set, { ...message, purpose: 'prosecution' }, police, probation, { now }).effect).toBe('deny');
    expect(decide(set, { ...(await example('charge-notification')), purpose: 'catch-and-convict' }, police, probation, { now }).effect).toBe('deny');
  });

  it('a matching forbid beats any permit', async () => {
    const set = await loadWith({ 'a.yaml': permitYaml('p-test'), 'b.yaml': forbidYaml('    to: { agencies: [nv-probation] }\n') });
    const decision = decide(set, await example('arrest-notification'), police, probation, { now });
    expect(decision).toMatchObject({ effect: 'deny', ruleIds: ['f-test'], legalBases: ['dpa-2018-s35'], obligations: null });
    expect(decision.explanation).toMatch(/^Refused: rule f-test \(ISP clause T\.9\) forbids/);
  });

  it('a forbid whose conditions do not hold leaves the permit alone', async () => {
    const set = await loadWith({
      'a.yaml': permitYaml('p-test'),
      'b.yaml': forbidYaml('    conditions:\n      - { path: body.custodyStatus, equals: no-further-action }\n'),
    });
    expect(decide(set, await example('arrest-notification'), police, probation, { now }).effect).toBe('permit');
  });

  it('a forbid with withhold takes fields off the allow-list, even beneath a broader entry', async () => {
    const set = await loadWith({ 'a.yaml': permitYaml('p-test'), 'b.yaml': forbidYaml('    withhold: ["body.offences[].description"]\n') });
    const message = await example('arrest-notification');
    const decision = decide(set, message, police, probation, { now });
    expect(decision).toMatchObject({ effect: 'permit', ruleIds: ['p-test', 'f-test'], withheldFields: ['body.offences[].description'] });
    const out = minimise(message as unknown as Record<string, unknown>, decision.obligations!);
    expect(out.disclosed).toContain('body.offences[].code');
    expect(out.disclosed).not.toContain('body.offences[].description');
  });

  it('several permits: union of fields, strictest marking, shortest retention, all notifications', async () => {
    const second = permitYaml('p-second').replace('disclose: [subject.name, subject.dateOfBirth, body.offences]', 'disclose: [body.arrestedAt]').replace('marking: OFFICIAL', 'marking: OFFICIAL-SENSITIVE').replace('retainDays: 30', 'retainDays: 7\n      notify: [childrens-services, nv-probation]');
    const set = await loadWith({ 'a.yaml': permitYaml('p-test'), 'b.yaml': second });
    const decision = decide(set, await example('arrest-notification'), police, probation, { now });
    expect(decision.ruleIds).toEqual(['p-test', 'p-second']);
    expect(decision.obligations).toMatchObject({ marking: 'OFFICIAL-SENSITIVE', retainDays: 7, notify: ['nv-childrens'] });
    expect(decision.obligations!.disclose.map((d) => d.path)).toEqual(['subject.name', 'subject.dateOfBirth', 'body.offences', 'body.arrestedAt']);
  });

  describe('the child rule', () => {
    const childMessage = () => example('arrest-notification', { 'subject.dateOfBirth': '2010-06-01' });

    it('a rule not marked children: true never shares about an under-18', async () => {
      const set = await loadWith({ 'a.yaml': permitYaml('p-test') });
      const decision = decide(set, await childMessage(), police, probation, { now });
      expect(decision).toMatchObject({ effect: 'deny', isChild: true });
      expect(decision.explanation).toContain('under 18');
    });

    it('children: true is not enough for a purpose the catalog marks unfit for children', async () => {
      const set = await loadWith({ 'a.yaml': permitYaml('p-test', '    children: true\n') });
      const decision = decide(set, await childMessage(), police, probation, { now });
      expect(decision).toMatchObject({ effect: 'deny', isChild: true });
      expect(decision.explanation).toContain('not a purpose for which the protocol shares records about children');
    });

    it('children: true and a purpose fit for children permits, and the decision records the child', async () => {
      const rule = permitYaml('p-test', '    children: true\n').replace('purposes: [catch-and-convict]', 'purposes: [catch-and-convict, prevent-and-deter]');
      const set = await loadWith({ 'a.yaml': rule });
      const decision = decide(set, { ...(await childMessage()), purpose: 'prevent-and-deter' }, police, probation, { now });
      expect(decision).toMatchObject({ effect: 'permit', isChild: true });
      expect(decision.explanation).toContain('about a child');
    });

    it('age is judged on the decision date: 18 on the birthday, 17 the day before', async () => {
      const set = await loadWith({ 'a.yaml': permitYaml('p-test') });
      const message = await example('arrest-notification', { 'subject.dateOfBirth': '2008-11-25' });
      expect(decide(set, message, police, probation, { now }).isChild).toBe(false);
      expect(decide(set, message, police, probation, { now: new Date('2026-11-24T23:59:59Z') }).isChild).toBe(true);
    });
  });

  it('an invalid `now` is a programming mistake', async () => {
    const set = await loadWith({ 'a.yaml': permitYaml('p-test') });
    expect(() => decide(set, { type: 'arrest-notification', purpose: 'x' }, police, probation, { now: new Date('nope') })).toThrow(TypeError);
  });

  it('the index returns only rules that could apply to the type and parties', async () => {
    const set = await loadPolicySet(policiesDir, messageSchemasFromMessages());
    const candidates = set.index.candidates('arrest-notification', 'catch-and-convict', police, probation).map((r) => r.id);
    expect(candidates).toContain('cc-arrest-to-offender-manager');
    expect(candidates).toContain('f-health-only-to-drug-service');
    expect(candidates).not.toContain('cc-charge-to-cps');
    expect(candidates).not.toContain('ca-arrest-of-child-to-yot');
    expect(set.index.candidates('arrest-notification', 'catch-and-convict', police, probation)).toBe(set.index.candidates('arrest-notification', 'catch-and-convict', police, probation));
  });
});

describe('recipientsFor', () => {
  it('lists every agency a permit holds for, never the sender', async () => {
    const set = await loadPolicySet(policiesDir, messageSchemasFromMessages());
    const message = await example('ppo-status-change');
    const found = recipientsFor(set, message, police, { now }).map((r) => r.agency.id);
    expect(found.sort()).toEqual(['nv-court', 'nv-cps', 'nv-drugs', 'nv-education', 'nv-health', 'nv-housing', 'nv-prison', 'nv-probation', 'nv-yot']);
    expect(recipientsFor(set, { ...message, purpose: 'curiosity' }, police, { now })).toEqual([]);
  });
});

describe('withholding without the withhold list', () => {
  it('the allow-list alone already excludes withheld fields beneath a broad entry', async () => {
    const set = await loadPolicySet(policiesDir, messageSchemasFromMessages());
    const release = await example('custody-release');
    const decision = decide(set, release, { id: 'nv-prison', role: 'prison' }, probation, { now });
    expect(decision.withheldFields).toContain('body.needs.health');
    const out = minimise(release as unknown as Record<string, unknown>, { disclose: decision.obligations!.disclose });
    expect(out.disclosed.some((p) => p.startsWith('body.needs.health'))).toBe(false);
    expect(out.disclosed).toContain('body.needs.housing.status');
    expect(out.disclosed).toContain('subject.name.given');
  });
});
