import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicySet } from './load-policy-set.js';
import { messageSchemasFromMessages } from './message-schemas.js';
import { createPolicyStore } from './policy-store.js';
import { permitYaml, policiesDir, policyDirWith, problemsLoading } from './test-support.js';

// Line numbers below refer to permitYaml(): line 3 is `- id`, 10 `purposes`, 11 `legalBases`, 14 `disclose`, 15 `marking`.

describe('loading a policy set', () => {
  it('loads the Northvale protocol and versions it by its files', async () => {
    const set = await loadPolicySet(policiesDir, messageSchemasFromMessages());
    expect(set.rules.length).toBeGreaterThanOrEqual(25);
    expect(set.version).toMatch(/^[0-9a-f]{64}$/);
    expect(set.files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['catalog.yaml', 'agencies.yaml', 'forbids.yaml']));
    expect(set.catalog.purposes['prevent-and-deter']?.children).toBe(true);
    expect(set.catalog.legalBases['cda-1998-s115']?.title).toBe('Crime and Disorder Act 1998, section 115');
  });

  it('a change to any file changes the version; the same files give the same version', async () => {
    const a = await loadPolicySet(await policyDirWith({ 'a.yaml': permitYaml('p-test') }), messageSchemasFromMessages());
    const b = await loadPolicySet(await policyDirWith({ 'a.yaml': permitYaml('p-test') }), messageSchemasFromMessages());
    const c = await loadPolicySet(await policyDirWith({ 'a.yaml': permitYaml('p-test').replace('retainDays: 30', 'retainDays: 31') }), messageSchemasFromMessages());
    expect(a.version).toBe(b.version);
    expect(c.version).not.toBe(a.version);
  });

  it.each([
    ['an unknown purpose', (y: string) => y.replace('purposes: [catch-and-convict]', 'purposes: [catch-and-convict, gossip]'), 10, /`gossip` is not a purpose in the catalog/],
    ['an unknown legal basis', (y: string) => y.replace('legalBases: [cda-1998-s115]', 'legalBases: [cda-1998-s999]'), 11, /not a legal basis in the catalog/],
    ['no legal basis at all', (y: string) => y.replace('legalBases: [cda-1998-s115]', 'legalBases: []'), 11, /legalBases/],
    ['an unknown marking', (y: string) => y.replace('marking: OFFICIAL', 'marking: SECRET'), 15, /marking `SECRET` is not a marking/],
    ['a path no schema has', (y: string) => y.replace('body.offences]', 'body.shoeSize]'), 14, /`body.shoeSize` is not a field of arrest-notification/],
    ['an unknown role', (y: string) => y.replace('to: { roles: [probation] }', 'to: { roles: [probaton] }'), 9, /`probaton` is not the role of any agency/],
    ['an unknown message type', (y: string) => y.replace('messageTypes: [arrest-notification]', 'messageTypes: [arest-notification]'), 7, /`arest-notification` is not a message type/],
    ['a missing field', (y: string) => y.replace('    clause: "T.1"\n', ''), 3, /clause: required field is missing/],
    ['an unknown field', (y: string) => y.replace('    clause: "T.1"\n', '    clause: "T.1"\n    colour: red\n'), 3, /unknown field.*colour/],
    ['a condition with two operators', (y: string) => y.replace('    obligations:', '    conditions:\n      - { path: body.custodyStatus, equals: charged, exists: true }\n    obligations:'), 14, /exactly one of/],
    ['a YAML syntax error', (y: string) => y.replace('messageTypes: [arrest-notification]', 'messageTypes: [arrest-notification'), 7, /YAML syntax/],
  ])('%s is reported with file and line', async (_what, edit, line, message) => {
    const problems = await problemsLoading(await policyDirWith({ 'bad.yaml': edit(permitYaml('p-test')) }));
    expect(problems[0]!.file).toMatch(/rules[/\\]bad\.yaml$/);
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(line);
    expect(problems[0]!.line).toBeLessThanOrEqual(line + 1);
  });

  it('reports a duplicate rule id across files, pointing at the second', async () => {
    const problems = await problemsLoading(await policyDirWith({ 'a.yaml': permitYaml('p-test'), 'b.yaml': permitYaml('p-test') }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, message: expect.stringMatching(/duplicate rule id \(first defined in .*a\.yaml:3\)/) });
    expect(problems[0]!.file).toMatch(/b\.yaml$/);
  });

  it('one bad file stops the load, and every problem is listed', async () => {
    const dir = await policyDirWith({ 'a.yaml': permitYaml('p-good'), 'b.yaml': permitYaml('p-bad').replace('marking: OFFICIAL', 'marking: 7') });
    await expect(loadPolicySet(dir, messageSchemasFromMessages())).rejects.toMatchObject({ code: 'POLICY_INVALID' });
    const catalogBroken = await policyDirWith({}, { catalog: 'version: 1\npurposes:\n  x: { title: X }\n' });
    const problems = await problemsLoading(catalogBroken);
    expect(problems.some((p) => p.file.endsWith('catalog.yaml') && p.line === 3)).toBe(true);
  });

  it('agencies.yaml problems are reported the same way', async () => {
    const problems = await problemsLoading(await policyDirWith({}, { agencies: 'version: 1\nagencies:\n  - id: nv-x\n    name: X\n' }));
    expect(problems[0]).toMatchObject({ line: 3, message: expect.stringMatching(/agencies\.0\.role: required/) });
  });
});

describe('PolicyStore', () => {
  it('keeps the last good set when a reload fails, and takes the next good one', async () => {
    const dir = await policyDirWith({ 'a.yaml': permitYaml('p-test') });
    const store = createPolicyStore(() => loadPolicySet(dir, messageSchemasFromMessages()));
    expect(() => store.current()).toThrowError(expect.objectContaining({ code: 'UNAVAILABLE' }));
    const first = await store.reload();
    expect(first).toMatchObject({ ok: true, changed: true });
    const good = store.current();

    await writeFile(path.join(dir, 'rules', 'a.yaml'), permitYaml('p-test').replace('marking: OFFICIAL', 'marking: NOPE'));
    const failed = await store.reload();
    expect(failed).toMatchObject({ ok: false, keptVersion: good.version });
    if (!failed.ok) expect(failed.error.code).toBe('POLICY_INVALID');
    expect(store.current()).toBe(good);

    await rm(path.join(dir, 'rules', 'a.yaml'));
    const next = await store.reload();
    expect(next).toMatchObject({ ok: true, changed: true });
    expect(store.current().rules).toHaveLength(0);
  });
});
