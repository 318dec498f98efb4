import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { agencyFilesIn, createAgencyClientFromFiles, type AgencyClient } from '../../client/index.js';
import { HubError } from '../../errors.js';

/**
 * The agency-side commands: what a police or YOT system does, from the
 * command line, with an agency's certificate from certs-example/ (or any
 * folder in the same layout).
 */
interface AgencyOptions {
  as: string;
  hub?: string;
  certs: string;
}

function withAgencyOptions(command: Command): Command {
  return command
    .requiredOption('--as <agency>', 'the agency id to act as (its key and certificate sign and identify)')
    .option('--hub <url>', 'the hub URL (default: HUB_URL, or https://127.0.0.1:$PORT)')
    .option('--certs <dir>', 'folder laid out as certs-example/', 'certs-example');
}

async function clientFor(options: AgencyOptions): Promise<AgencyClient> {
  const hubUrl = options.hub ?? process.env['HUB_URL'] ?? `https://127.0.0.1:${process.env['PORT'] ?? '8443'}`;
  return createAgencyClientFromFiles({
    hubUrl,
    agencyId: options.as,
    ...agencyFilesIn(options.certs, options.as),
    ...(process.env['HUB_ID'] ? { hubId: process.env['HUB_ID'] } : {}),
  });
}

async function readMessageFile(file: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new HubError('BAD_REQUEST', `${file} is not a readable JSON file`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HubError('BAD_REQUEST', `${file} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

async function withClient(options: AgencyOptions, action: (client: AgencyClient) => Promise<unknown>): Promise<void> {
  const client = await clientFor(options);
  try {
    const result = await action(client);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    client.close();
  }
}

export function register(program: Command): void {
  withAgencyOptions(program.command('send'))
    .description('seal a message file (iss, aud, iat, exp and a fresh jti are added) and send it; prints the hub answer')
    .requiredOption('--file <message.json>', 'message fields: type, purpose, actor, subject, body (see policies/examples/)')
    .option('--to <agency...>', 'name the recipients (otherwise the policy chooses)')
    .action(async (options: AgencyOptions & { file: string; to?: string[] }) => {
      const message = await readMessageFile(options.file);
      if (options.to) message['to'] = options.to;
      await withClient(options, async (client) => {
        const answer = await client.send(message as never);
        if (answer.status >= 400) process.exitCode = 1;
        return { status: answer.status, jti: answer.jti, ...(answer.body as object) };
      });
    });

  withAgencyOptions(program.command('query'))
    .description('ask the flag register (a risk-flag-query file); prints the opened, verified answer')
    .requiredOption('--file <query.json>', 'a risk-flag-query message (see policies/examples/risk-flag-query.json)')
    .action(async (options: AgencyOptions & { file: string }) => {
      const message = await readMessageFile(options.file);
      await withClient(options, (client) => client.query(message as never));
    });

  withAgencyOptions(program.command('inbox'))
    .description("list this agency's inbox (pull delivery)")
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--limit <n>', 'items per page', '20')
    .option('--open', 'decrypt and verify each item and print its record')
    .action(async (options: AgencyOptions & { cursor?: string; limit: string; open?: boolean }) => {
      await withClient(options, async (client) => {
        const page = await client.inbox<{ items: Array<{ jwe?: string }> }>({ ...(options.cursor ? { cursor: options.cursor } : {}), limit: Number(options.limit) });
        if (!options.open) return page;
        const items = await Promise.all(page.items.map(async (item) => ({ ...item, record: item.jwe ? (await client.openFromHub(item.jwe)).claims : undefined, jwe: undefined })));
        return { ...page, items };
      });
    });

  withAgencyOptions(program.command('ack'))
    .description('acknowledge an inbox item')
    .argument('<item-id>')
    .action(async (itemId: string, options: AgencyOptions) => {
      await withClient(options, (client) => client.ack(itemId));
    });

  withAgencyOptions(program.command('track'))
    .description("show each recipient's state for a message this agency sent")
    .argument('<message-id>')
    .action(async (messageId: string, options: AgencyOptions) => {
      await withClient(options, (client) => client.track(messageId));
    });
}
