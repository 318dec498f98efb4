/**
 * `npm run demo:year -- --hub URL`: plays a deterministic synthetic year of
 * the fictional Northvale PPO scheme through a running hub's real API (mutual
 * TLS, each agency with its own certificate from certs-example/), dated
 * across the 12 months before today in the records, so that the console's
 * "Scheme returns" page has something real to show. `--start` runs it on a
 * hub of its own, as `npm run demo -- --start` does. Referrals and flag
 * changes carry their planned day in their own date fields (referredOn,
 * agreedOn), by which the statistics ledger dates them
 * (src/statistics/event-dates.ts); a query has no date field, so it counts
 * on the day it is sent, today.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { HubError } from '../src/errors.js';
import { demoAgencyClients } from './demo/agency-clients.js';
import { certsDir, hubAnswers, runningHub, startDemoHub, type DemoHub } from './demo/hub-target.js';
import { playYear } from './demo/play-year.js';

async function main(argv: string[]): Promise<number> {
  const program = new Command('demo:year')
    .description('play a synthetic year of the Northvale PPO scheme through an isp-hub')
    .option('--hub <url>', 'the hub to talk to (default HUB_URL or https://127.0.0.1:8443)')
    .option('--start', 'start a hub of its own first (temporary data; REDIS_URL if set), and leave it running')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const options = program.opts<{ hub?: string; start?: boolean }>();
  const print = (line: string) => void process.stdout.write(`${line}\n`);
  const caPem = await readFile(path.join(certsDir, 'ca/cert.pem'), 'utf8');
  let hub: DemoHub;
  if (options.start) hub = await startDemoHub(process.env);
  else {
    const url = options.hub ?? process.env['HUB_URL'] ?? 'https://127.0.0.1:8443';
    if (!(await hubAnswers(url, caPem))) {
      process.stderr.write(`No hub answers at ${url}. Start one (npm start) or add --start.\n`);
      return 2;
    }
    hub = runningHub(url, process.env);
  }
  const agencies = demoAgencyClients(hub);
  try {
    const { refused } = await playYear({ hubUrl: hub.url, client: (agencyId) => agencies.client(agencyId), print });
    print('See the returns: isp-hub dpo token --agency nv-police --name "Scheme Manager" --scheme-manager, then open the link at #/returns.');
    if (hub.startedHere) {
      print('The hub stays up until Ctrl-C.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return refused === 0 ? 0 : 1;
  } finally {
    agencies.closeAll();
    await hub.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if ((error as { code?: string }).code === 'commander.helpDisplayed') process.exit(0);
    process.stderr.write(`demo:year stopped: ${error instanceof HubError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
