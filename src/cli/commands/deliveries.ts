import type { Command } from 'commander';
import { createAuditLog } from '../../audit/index.js';
import { loadConfig } from '../../config/index.js';
import { HubError } from '../../errors.js';
import { connectRedis, type RedisClient } from '../../redis/index.js';
import { cliRedisTarget } from '../../hub/redis-connection.js';
import { createDelivery, deliverySettingsFrom, type Delivery } from '../../routing/delivery/index.js';

/**
 * `isp-hub deliveries`: the operator's view of deliveries that ran out of
 * attempts, and the way to send them again once the recipient is back
 * (nothing accepted is silently dropped). Talks to the hub's Redis
 * (REDIS_URL, or Sentinel / Cluster settings, and REDIS_KEY_PREFIX); the
 * running hub's workers do the actual delivery.
 */
export function register(program: Command): void {
  const deliveries = program.command('deliveries').description('dead letters: list and replay deliveries that ran out of attempts');

  deliveries
    .command('list-dead')
    .description('list dead letters, oldest first')
    .option('--limit <n>', 'at most this many', '1000')
    .option('--json', 'print a JSON array')
    .action(async (options: { limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new HubError('BAD_REQUEST', '--limit must be a whole number from 1 to 100000');
      await withDelivery(async ({ delivery }) => {
        const records = await delivery.service.listDeadLetters({ limit });
        // The sealed envelope stays out of the listing: it is large and of no use on a terminal.
        const rows = records.map((record) => ({
          id: record.id,
          messageId: record.job.messageId,
          recipient: record.job.recipientAgencyId,
          sender: record.job.sender,
          messageType: record.job.messageType,
          mode: record.job.mode,
          failedAt: new Date(record.failedAt).toISOString(),
          attempts: record.attempts,
          lastOutcome: record.lastOutcome,
          replays: record.job.replays,
        }));
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write('no dead letters\n');
          return;
        }
        for (const row of rows) {
          process.stdout.write(`${row.id}\t${row.failedAt}\t${row.attempts} attempts\t${row.lastOutcome}\t${row.messageType} from ${row.sender}\n`);
        }
      });
    });

  deliveries
    .command('replay')
    .description('requeue dead letters for delivery (audited as delivery-replayed)')
    .option('--id <messageId:recipient>', 'one dead letter, as list-dead shows its id')
    .option('--all', 'every dead letter')
    .option('--operator <id>', 'who is replaying, for the audit entry')
    .action(async (options: { id?: string; all?: boolean; operator?: string }) => {
      if ((options.id === undefined) === (options.all !== true)) throw new HubError('BAD_REQUEST', 'give exactly one of --id MESSAGE_ID:RECIPIENT or --all');
      if (options.operator !== undefined && !/^[A-Za-z0-9_.@-]{1,128}$/.test(options.operator)) {
        throw new HubError('BAD_REQUEST', '--operator must be 1 to 128 letters, digits or _.@-');
      }
      const replayOptions = options.operator ? { actor: { id: options.operator, role: 'operator' } } : {};
      await withDelivery(async ({ delivery }) => {
        const replayed = options.all
          ? await delivery.service.replayAll(replayOptions)
          : (await delivery.service.replay(options.id as string, replayOptions), [options.id as string]);
        for (const id of replayed) process.stdout.write(`replayed ${id}\n`);
        if (replayed.length === 0) process.stdout.write('no dead letters\n');
      });
    });
}

async function withDelivery(work: (parts: { delivery: Delivery }) => Promise<void>): Promise<void> {
  const config = loadConfig(process.env);
  const target = await cliRedisTarget(config, 'isp-hub deliveries');
  const commands: RedisClient = connectRedis(target, { connectionName: 'isp-hub-cli' });
  const queue: RedisClient = connectRedis(target, { connectionName: 'isp-hub-cli-queue', forBlockingCommands: true });
  const audit = createAuditLog({ redis: commands, prefix: config.REDIS_KEY_PREFIX, origin: config.HUB_ID });
  const delivery = createDelivery({
    redis: { commands, queue },
    prefix: config.REDIS_KEY_PREFIX,
    settings: deliverySettingsFrom(config),
    audit,
    // Replays carry their route in the dead letter; this command enqueues nothing new.
    routeFor: () => undefined,
  });
  try {
    await work({ delivery });
  } finally {
    await delivery.close();
    await audit.close();
    await Promise.all([commands.quit().catch(() => undefined), queue.quit().catch(() => undefined)]);
  }
}
