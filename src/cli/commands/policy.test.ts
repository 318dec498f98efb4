import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runIspHub } from '../../../test/support/cli.js';

const policies = path.join(repoRoot, 'policies');

async function copyOfPolicies(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'policy-cli-'));
  await cp(policies, dir, { recursive: true });
  return dir;
}

describe('isp-hub policy', () => {
  it('lint passes on policies/ and reports the rule count and version', async () => {
    const result = await runIspHub(['policy', 'lint', '--dir', policies]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/policy lint: \d+ rules, 0 error\(s\), \d+ warning\(s\); version [0-9a-f]{64}/);
  });

  it('lint names file and line of a load error and exits non-zero', async () => {
    const dir = await copyOfPolicies();
    await writeFile(path.join(dir, 'rules', 'zz-broken.yaml'), 'version: 1\nrules:\n  - id: x-1\n    effect: permit\n');
    const result = await runIspHub(['policy', 'lint', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/zz-broken\.yaml:3: error: rules\.0\.\w+: required field is missing/);
  });

  it('test runs the policy test cases and passes on policies/', async () => {
    const result = await runIspHub(['policy', 'test', '--dir', policies]);
    expect(result.stdout).toMatch(/policy test: (\d+) passed, 0 failed/);
    expect(Number(/(\d+) passed/.exec(result.stdout)?.[1])).toBeGreaterThanOrEqual(60);
    expect(result.code).toBe(0);
  });

  it('test reports a failing case with its file and line and exits non-zero', async () => {
    const dir = await copyOfPolicies();
    await writeFile(
      path.join(dir, 'tests', 'zz-wrong.yaml'),
      `version: 1\nnow: "2026-11-25T12:00:00Z"\ncases:\n  - name: housing wrongly expected to get an arrest\n    message: ../examples/arrest-notification.json\n    from: nv-police\n    expect: { nv-housing: permit }\n`,
    );
    const result = await runIspHub(['policy', 'test', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL .*zz-wrong\.yaml:4: housing wrongly expected/);
    expect(result.stdout).toMatch(/nv-housing: expected permit, got deny \(rules: f-housing-no-criminal-justice-notices\)/);
    expect(result.stdout).toMatch(/, 1 failed/);
  });

  it('test decides for the statistics ledger, which is not in agencies.yaml, and fails a wrong expectation for it', async () => {
    const dir = await copyOfPolicies();
    await writeFile(
      path.join(dir, 'tests', 'zz-wrong-statistics.yaml'),
      `version: 1\nnow: "2026-11-25T12:00:00Z"\ncases:\n  - name: an information request wrongly expected in the ledger\n    message: ../examples/information-request.json\n    from: nv-police\n    expect: { scheme-statistics: permit }\n  - name: a referral's reason wrongly expected in the ledger\n    message: ../examples/needs-referral.json\n    from: nv-probation\n    expect: { scheme-statistics: { decision: permit, disclosed: [body.need, body.urgency, body.referralReason] } }\n`,
    );
    const result = await runIspHub(['policy', 'test', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL .*zz-wrong-statistics\.yaml:4: an information request wrongly expected/);
    expect(result.stdout).toMatch(/scheme-statistics: expected permit, got deny \(default deny\)/);
    expect(result.stdout).toMatch(/FAIL .*zz-wrong-statistics\.yaml:8: a referral's reason wrongly expected/);
    expect(result.stdout).toMatch(/scheme-statistics: disclosed fields differ: missing body\.referralReason/);
    expect(result.stdout).toMatch(/, 2 failed/);
  });

  it('test keeps free text out of the ledger even when a statistics permit names it, as intake does', async () => {
    const dir = await copyOfPolicies();
    const rules = path.join(dir, 'rules', 'scheme-statistics.yaml');
    const text = await readFile(rules, 'utf8');
    await writeFile(rules, text.replace('        - body.urgency\n', '        - body.urgency\n        - body.referralReason\n'));
    await writeFile(
      path.join(dir, 'tests', 'zz-free-text.yaml'),
      `version: 1\nnow: "2026-11-25T12:00:00Z"\ncases:\n  - name: a referral reason on the allow-list is still refused by the ledger\n    message: ../examples/needs-referral.json\n    from: nv-probation\n    expect: { scheme-statistics: { decision: permit, disclosed: [body.need, body.referredOn, body.urgency], withheld: [body.referralReason] } }\n`,
    );
    const result = await runIspHub(['policy', 'test', '--dir', dir]);
    expect(result.stdout).not.toMatch(/FAIL/);
    expect(result.code).toBe(0);
    expect((await readFile(rules, 'utf8')).match(/body\.referralReason/g)).toHaveLength(1);
  });

  it('explain shows, per recipient, the decision, rule, law and what is disclosed and withheld', async () => {
    const result = await runIspHub([
      'policy', 'explain', '--dir', policies,
      '--message', path.join(policies, 'examples', 'custody-release.json'),
      '--from', 'nv-prison', '--now', '2026-11-25T12:00:00Z',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/nv-housing \(Northvale Housing Options\): PERMITTED/);
    expect(result.stdout).toMatch(/rules: rr-release-to-housing/);
    expect(result.stdout).toMatch(/law: .*Offender Management Act 2007 c\.21 s\.14/);
    expect(result.stdout).toMatch(/withheld: .*body\.needs\.health\.mentalHealthConcern/);
    expect(result.stdout).toMatch(/nv-education \(Northvale Education Services\): REFUSED/);
  });

  it('explain --to --json answers for one recipient', async () => {
    const result = await runIspHub([
      'policy', 'explain', '--dir', policies, '--json',
      '--message', path.join(policies, 'examples', 'arrest-notification.json'),
      '--from', 'nv-police', '--to', 'nv-housing', '--now', '2026-11-25T12:00:00Z',
    ]);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{ recipient: string; effect: string; ruleIds: string[] }>;
    expect(rows).toEqual([expect.objectContaining({ recipient: 'nv-housing', effect: 'deny', ruleIds: ['f-housing-no-criminal-justice-notices'] })]);
  });

  it('explain refuses an unknown sender with a stable code', async () => {
    const result = await runIspHub(['policy', 'explain', '--dir', policies, '--message', path.join(policies, 'examples', 'arrest-notification.json'), '--from', 'nv-nobody']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/AGENCY_UNKNOWN/);
  });
});
