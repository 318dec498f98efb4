import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { dpoRoutes } from '../../hub/dpo-routes.js';
import { createHub, type Hub, type HubRole } from '../../hub/index.js';
import { createLogger } from '../../logger.js';

/**
 * `isp-hub start`: the hub on its configuration, or with none at all on the
 * embedded default (policies/, certs-example/, a private redis-server under
 * ./data). SIGINT/SIGTERM shut down in order; SIGHUP reloads the policy set.
 */
export function register(program: Command): void {
  program
    .command('start')
    .description('run the hub (with no configuration: the embedded default on https://127.0.0.1:8443)')
    .option('--role <role>', 'api | worker | all (default: HUB_ROLE or all)')
    .option('--port <port>', 'HTTPS port (default: PORT or 8443)')
    .action(async (options: { role?: string; port?: string }) => {
      const config = loadConfig({ ...process.env, ...(options.role ? { HUB_ROLE: options.role } : {}), ...(options.port ? { PORT: options.port } : {}) });
      const logger = createLogger({ level: config.LOG_LEVEL });
      const hub = await createHub({ config, logger, role: config.HUB_ROLE as HubRole, publicRoutes: dpoRoutes });
      announce(hub, config.HUB_ROLE);
      handleSignals(hub, logger);
    });
}

function announce(hub: Hub, role: string): void {
  const lines = [`isp-hub is running (${role})${hub.url ? ` at ${hub.url}` : ''}`, `metrics: ${hub.metricsUrl}`];
  if (hub.url) {
    lines.push(
      '',
      'Try next, in another terminal:',
      `  npx isp-hub send --as nv-police --file policies/examples/arrest-notification.json`,
      `  npx isp-hub inbox --as nv-probation --open`,
      `  npx isp-hub query --as nv-yot --file policies/examples/risk-flag-query.json`,
      `  npx isp-hub dpo token --agency nv-police --name "Demo DPO" --scheme-dpo   (a console sign-in link)`,
      `  npm run demo                                                          (a day in a PPO scheme)`,
      `  curl -k ${hub.url}/health`,
      '',
      'Ctrl-C stops it; SIGHUP reloads policies/.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function handleSignals(hub: Hub, logger: ReturnType<typeof createLogger>): void {
  const stop = (signal: string) => {
    logger.info('shutting down', { signal });
    hub.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    hub.reloadPolicy().then(
      (result) => logger.info('policy reload', result),
      (error: unknown) => logger.error('policy reload failed', { error }),
    );
  });
}
