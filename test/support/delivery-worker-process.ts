/**
 * A delivery worker in a child process, so a test can kill -9 it mid-delivery
 * (a crash) and watch another worker run the job again. Settings come as JSON
 * in DELIVERY_WORKER_CONFIG; prints "ready" once the worker is running.
 */
import { createAuditLog } from '../../src/audit/index.js';
import { connectRedis } from '../../src/redis/index.js';
import { createDelivery } from '../../src/routing/delivery/index.js';

interface ChildConfig {
  redisUrl: string;
  prefix: string;
  recipient: string;
  url: string;
  tls: { cert: string; key: string; ca: string };
  lockDurationMs: number;
  stalledIntervalMs: number;
}

const config = JSON.parse(process.env.DELIVERY_WORKER_CONFIG ?? '{}') as ChildConfig;
const delivery = createDelivery({
  redis: { target: { url: config.redisUrl } },
  prefix: config.prefix,
  settings: {
    attempts: 3,
    backoffMs: 50,
    timeoutMs: 60_000,
    concurrency: 1,
    inboxTtlSeconds: 3600,
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
  },
  audit: createAuditLog({ redis: connectRedis({ url: config.redisUrl }), prefix: config.prefix }),
  routeFor: () => ({ mode: 'push', url: config.url }),
  tls: config.tls,
});
delivery.startWorkers([config.recipient]);
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
