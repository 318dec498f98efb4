/**
 * The hub under benchmark, in its own process so that its peak RSS is its
 * own (the load generator and the webhook receiver live in the parent).
 * Started by bench/hub.ts with fork(); configuration comes in the
 * environment; it answers { type: 'ready', url } over IPC and closes on
 * { type: 'stop' } (graceful, as `isp-hub start` does on SIGTERM).
 */
import { loadConfig } from '../../src/config/index.js';
import { createHub } from '../../src/hub/index.js';
import { createLogger } from '../../src/logger.js';

const send = (message: unknown) => process.send?.(message);

const config = loadConfig(process.env);
// No REDIS_URL: resolveRedisTarget starts the embedded redis-server under DATA_DIR/redis (AOF on).
const hub = await createHub({ config, logger: createLogger({ silent: true }) });
send({ type: 'ready', url: hub.url });

process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'stop') return;
  void hub
    .close()
    .then(() => send({ type: 'stopped' }))
    .finally(() => process.exit(0));
});
process.on('disconnect', () => void hub.close().finally(() => process.exit(0)));
