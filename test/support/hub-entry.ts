import { loadConfig } from '../../src/config/index.js';
import { dpoRoutes } from '../../src/hub/dpo-routes.js';
import { createHub, type HubRole } from '../../src/hub/index.js';
import { createLogger } from '../../src/logger.js';

/**
 * What `isp-hub start` does, without loading every other CLI command: a
 * lighter child for fault tests and the soak, which start the hub many times.
 * Prints the same "isp-hub is running" line; SIGTERM shuts down in order.
 */
const config = loadConfig(process.env);
const logger = createLogger({ level: config.LOG_LEVEL });
const hub = await createHub({ config, logger, role: config.HUB_ROLE as HubRole, publicRoutes: dpoRoutes });
process.stdout.write(`isp-hub is running (${config.HUB_ROLE}) at ${hub.url ?? ''}\n`);
process.once('SIGTERM', () => {
  hub.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
