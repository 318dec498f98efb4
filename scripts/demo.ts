/**
 * `npm run demo`: a day in the Northvale PPO scheme.
 *
 *   npm run demo                      against a running hub (https://127.0.0.1:8443, or HUB_URL)
 *   npm run demo -- --hub URL         against the hub at URL
 *   npm run demo -- --start           starts its own hub first (free port, temporary DATA_DIR;
 *                                     Redis from REDIS_URL, else a private redis-server)
 *   npm run demo -- --year            plays a synthetic year instead of a day (npm run demo:year)
 *
 * With no hub answering and no --start, it says how to start one and exits 2.
 * Exit 0 when every step went as the protocol says, 1 when one did not.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { HubError } from '../src/errors.js';
import { loadPolicySet, messageSchemasFromMessages, type PolicySet } from '../src/policy/index.js';
import { DemoStepError, playDay } from './demo/day.js';
import { demoAgencyClients } from './demo/agency-clients.js';
import { playYear } from './demo/play-year.js';
import { certsDir, repoRoot, hubAnswers, runningHub, startDemoHub, type DemoHub } from './demo/hub-target.js';

const DEFAULT_HUB_URL = 'https://127.0.0.1:8443';

async function main(argv: string[]): Promise<number> {
  const program = new Command('demo')
    .description('play a day in the Northvale PPO scheme against an isp-hub')
    .option('--hub <url>', `the hub to talk to (default HUB_URL or ${DEFAULT_HUB_URL})`)
    .option('--start', 'start a hub of its own first (temporary data; REDIS_URL if set)')
    .option('--year', 'play a synthetic year of the scheme (for the console\'s Scheme returns page) instead of a day')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const options = program.opts<{ hub?: string; start?: boolean; year?: boolean }>();
  const print = (line: string) => void process.stdout.write(`${line}\n`);
  const caPem = await readFile(path.join(certsDir, 'ca/cert.pem'), 'utf8');

  let hub: DemoHub;
  if (options.start) {
    print('Starting a hub for the demo (temporary data, policies/ and certs-example/)...');
    hub = await startDemoHub(process.env);
  } else {
    const url = options.hub ?? process.env['HUB_URL'] ?? DEFAULT_HUB_URL;
    if (!(await hubAnswers(url, caPem))) {
      process.stderr.write(
        [
          `No hub answers at ${url}.`,
          'Either start one in another terminal and run the demo again:',
          '  npm start',
          '  npm run demo',
          'or let the demo start its own hub for this run:',
          '  npm run demo -- --start',
          '',
        ].join('\n'),
      );
      return 2;
    }
    hub = runningHub(url, process.env);
  }

  const agencies = demoAgencyClients(hub);
  // Ctrl-C during --start still stops the hub (and its private redis-server) in order.
  const interrupted = () => void hub.close().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  // The rules are quoted from the policy folder the hub runs on (POLICY_DIR, else policies/).
  let policySet: Promise<PolicySet | undefined> | undefined;
  const ruleText = async (ruleId: string) => {
    policySet ??= loadPolicySet(hub.policyDir ?? path.join(repoRoot, 'policies'), messageSchemasFromMessages()).catch(() => undefined);
    const rule = (await policySet)?.rules.find((candidate) => candidate.id === ruleId);
    return rule ? { clause: rule.clause, description: rule.description } : undefined;
  };
  if (options.year) {
    try {
      const { refused } = await playYear({ hubUrl: hub.url, client: (agencyId) => agencies.client(agencyId), print });
      return refused === 0 ? 0 : 1;
    } finally {
      agencies.closeAll();
      await hub.close();
    }
  }
  try {
    print(`isp-hub demo: a day in the Northvale PPO scheme (all people and records are fictional)`);
    print(`hub: ${hub.url}${hub.startedHere ? ' (started by the demo)' : ''}`);
    const checks = await playDay({
      hub,
      caPem,
      env: process.env,
      print,
      ruleText,
      client: agencies.client,
    });
    const failed = checks.filter((check) => !check.ok);
    print('');
    print(failed.length === 0 ? `Demo complete: all ${checks.length} checks passed.` : `Demo finished with ${failed.length} of ${checks.length} checks NOT as expected:`);
    for (const check of failed) print(`  step ${check.step}: ${check.what}`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    agencies.closeAll();
    await hub.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A person reads this: one line with the cause, never a stack trace.
    if (error instanceof HubError) process.stderr.write(`demo stopped: ${error.code}: ${error.message}\n`);
    else if (error instanceof DemoStepError) process.stderr.write(`demo stopped: ${error.message}\n`);
    else if ((error as { code?: string }).code === 'commander.helpDisplayed') process.exit(0);
    else if ((error as { code?: string }).code?.startsWith('commander.')) process.exit(2);
    else process.stderr.write(`demo stopped: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
