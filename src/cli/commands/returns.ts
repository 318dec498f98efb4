import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createAuditLog } from '../../audit/index.js';
import { loadConfig, type HubConfig } from '../../config/index.js';
import { configuredRedisTarget, fitsUnixSocketPath, resolveRedisTarget } from '../../hub/redis-connection.js';
import { loadPolicySet, messageSchemasFromMessages } from '../../policy/index.js';
import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/index.js';
import { createReturnsService, disclosureRulesFrom, parseReturnFormat, renderReturn } from '../../returns/index.js';
import { createLedgerStore } from '../../statistics/index.js';

/**
 * `isp-hub returns --period 2026-Q1`: compiles the scheme return from the
 * statistics ledger, with the same environment as `isp-hub start`: the
 * configured Redis, or the embedded default's (the running hub's socket
 * under DATA_DIR, or a private redis-server started for the command when no
 * hub is running). The compilation is audited with the operator's name.
 */
export function register(program: Command): void {
  program
    .command('returns')
    .description('compile the scheme return for a quarter or a month from the statistics ledger (audited)')
    .requiredOption('--period <YYYY-Qn|YYYY-MM>', 'the quarter (2026-Q1) or the month (2026-03)')
    .option('--format <json|csv|xlsx>', 'the form of the return', 'json')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--operator <id>', 'who is compiling, for the audit entry (default: the login name)')
    .action(async (options: { period: string; format: string; out?: string; operator?: string }) => {
      const format = parseReturnFormat(options.format);
      const operator = (options.operator ?? userInfo().username).replace(/[^A-Za-z0-9_.@-]/g, '-').slice(0, 128) || 'operator';
      const config = loadConfig(process.env);
      const policySet = await loadPolicySet(config.POLICY_DIR, messageSchemasFromMessages());
      await withHubRedis(config, async (redis) => {
        // Closed at the end: its sequencer lease and queue subscription would keep the command alive.
        const audit = createAuditLog({ redis, prefix: config.REDIS_KEY_PREFIX, origin: config.HUB_ID });
        try {
          const service = createReturnsService({
            ledger: createLedgerStore({ redis, prefix: config.REDIS_KEY_PREFIX, maxFacts: config.STATISTICS_MAX_FACTS }),
            redis,
            prefix: config.REDIS_KEY_PREFIX,
            policy: () => policySet,
            audit,
            rules: disclosureRulesFrom(config),
          });
          const rendered = await renderReturn(await service.compile(options.period, { agency: 'hub', actor: { id: operator, role: 'operator' } }), format);
          if (options.out) await writeFile(options.out, rendered.body);
          else process.stdout.write(rendered.body);
        } finally {
          await audit.close();
        }
      });
    });
}

async function withHubRedis(config: HubConfig, work: (redis: RedisClient) => Promise<void>): Promise<void> {
  let target: RedisTarget | undefined = configuredRedisTarget(config);
  let stop: (() => Promise<void>) | undefined;
  if (!target) {
    const dataDir = path.resolve(config.DATA_DIR, 'redis');
    const socket = path.join(dataDir, 'redis.sock');
    const running = fitsUnixSocketPath(dataDir) && existsSync(socket) && (await answers(`redis+unix://${socket}`));
    if (running) target = { url: `redis+unix://${socket}` };
    else {
      const resolved = await resolveRedisTarget(config);
      target = resolved.target;
      stop = resolved.embedded ? () => resolved.embedded!.stop() : undefined;
    }
  }
  const redis = connectRedis(target, { connectionName: 'isp-hub-returns' });
  try {
    await work(redis);
  } finally {
    await redis.quit().catch(() => undefined);
    await stop?.();
  }
}

async function answers(url: string): Promise<boolean> {
  const probe = connectRedis({ url }, { connectionName: 'isp-hub-returns-probe' });
  try {
    return (await Promise.race([probe.ping(), new Promise((resolve) => setTimeout(() => resolve('timeout'), 1000))])) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
