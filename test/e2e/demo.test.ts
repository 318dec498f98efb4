import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/redis/index.js';
import { runScript, type CliResult } from '../support/cli.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** `npm run demo` (`tsx scripts/demo.ts`), never aimed at a hub from the caller's environment. */
function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runScript('scripts/demo.ts', args, { env: { HUB_URL: '', DPO_TOKEN: '', ...env } });
}

/** The lines of one step, from its heading to the next. */
function stepLines(stdout: string, step: number): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`Step ${step}.`));
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && /^(Step \d+\.|Demo )/.test(line));
  return lines.slice(start, end < 0 ? undefined : end);
}

const noStackTrace = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

describe('npm run demo: a day in the PPO scheme, self-started hub on a test Redis', () => {
  let redis: TestRedis;
  let run: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    redis = await startTestRedis();
    run = await runDemo(['--start'], { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.newPrefix() });
  }, 180_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it('plays every step, passes its own checks, and prints no stack trace', () => {
    expect(run.stderr).not.toMatch(noStackTrace);
    expect(run.stdout).not.toMatch(noStackTrace);
    expect(run.stdout).not.toContain('NOT AS EXPECTED');
    expect(run.stdout).toMatch(/^Demo complete: all \d+ checks passed\.$/m);
    expect(run.code).toBe(0);
    for (const step of [1, 2, 3, 4, 5]) expect(stepLines(run.stdout, step).length).toBeGreaterThan(2);
  });

  it('step 1: the arrest is delivered to probation, minimised (no intelligence)', () => {
    const lines = stepLines(run.stdout, 1).join('\n');
    expect(lines).toContain('-> nv-probation: queued');
    expect(lines).toMatch(/nv-probation received arrest-notification from nv-police \(rule cc-arrest-to-offender-manager;/);
    expect(lines).toMatch(/withheld: .*body\.intelligence/);
  });

  it('step 2: the YOT asks about a 15-year-old and the answer names the holding agency', () => {
    const lines = stepLines(run.stdout, 2).join('\n');
    expect(lines).toContain('aged 15');
    expect(lines).toMatch(/flag exploitation \(high, review by \d{4}-\d{2}-\d{2}\), held by nv-police \(Northvale Constabulary\)/);
    expect(lines).toMatch(/contact: .+ <[^>]+@police\.northvale\.example>/);
  });

  it('step 3: the release is split per recipient, each with only its fields', () => {
    const lines = stepLines(run.stdout, 3);
    const after = (agency: string) => {
      const index = lines.findIndex((line) => line.startsWith(`  ${agency} received custody-release from nv-prison`));
      expect(index, `${agency} received the release`).toBeGreaterThan(0);
      return lines.slice(index, index + 4).join('\n');
    };
    expect(after('nv-police')).toMatch(/body fields: .*risk\{/);
    expect(after('nv-police')).toMatch(/withheld: .*body\.needs(,|$)/m);
    expect(after('nv-housing')).toMatch(/body fields: .*needs\{housing\}/);
    expect(after('nv-housing')).toMatch(/withheld: .*body\.risk/);
    expect(after('nv-housing')).toMatch(/withheld: .*body\.licence\.conditions/);
    expect(after('nv-drugs')).toMatch(/body fields: .*needs\{substanceMisuse\}/);
    expect(after('nv-drugs')).toMatch(/withheld: .*body\.addressOnRelease/);
  });

  it('step 4: housing asks police for offence history and is refused, with the reason', () => {
    const lines = stepLines(run.stdout, 4).join('\n');
    expect(lines).toContain('x  nv-police: DENIED (no rule permits it: default deny)');
    expect(lines).toMatch(/reason: Refused: no rule permits Northvale Housing Options to share an information request with Northvale Constabulary/);
    expect(lines).toMatch(/nv-housing tracks msg_\w+: nv-police denied/);
    expect(lines).toContain('rule f-housing-no-offences-or-health (ISP clause 8.1)');
  });

  it("step 5: the DPO's subject report lists the disclosures and the refusal", () => {
    const lines = stepLines(run.stdout, 5).join('\n');
    expect(lines).toMatch(/#\d+ disclosure: arrest-notification nv-police -> nv-probation; rule cc-arrest-to-offender-manager/);
    for (const agency of ['nv-police', 'nv-housing', 'nv-drugs']) {
      expect(lines).toMatch(new RegExp(`#\\d+ disclosure: custody-release nv-prison -> ${agency}; rule rr-release-to-`));
    }
    expect(lines).toMatch(/#\d+ refusal: information-request nv-housing -> nv-police; default deny/);
    expect(lines).toMatch(/#\d+ disclosure: risk-flag-query hub -> nv-yot; rule pd-risk-flag-query-between-panel-partners\n.*; child$/m);
    expect(lines).toMatch(/#\d+ refusal: information-request nv-housing -> nv-police; default deny\n\s+reason: Refused: no rule permits/);
  });
});

describe('npm run demo with no hub running', () => {
  it('says how to start one and exits 2, without a stack trace', async () => {
    // A loopback port nobody listens on (taken and released): no hub running.
    const port = await findFreePort();
    const run = await runDemo(['--hub', `https://127.0.0.1:${port}`], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`No hub answers at https://127.0.0.1:${port}.`);
    expect(run.stderr).toContain('npm start');
    expect(run.stderr).toContain('npm run demo -- --start');
    expect(run.stderr).not.toMatch(noStackTrace);
  }, 120_000);
});
