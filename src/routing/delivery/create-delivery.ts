import { connectRedis, type RedisClient, type RedisTarget } from '../../redis/index.js';
import { DEFAULT_MAX_BACKOFF_MS } from './backoff.js';
import { createDeadLetterStore, type DeadLetterStore } from './dead-letter-store.js';
import { createDeliveryProcessor } from './delivery-processor.js';
import { createDeliveryQueue, type DeliveryQueue } from './delivery-queue.js';
import { createDeliveryService, type DeliveryService } from './delivery-service.js';
import { createDeliveryWorkers, type DeliveryWorkers } from './delivery-workers.js';
import { createInbox, type Inbox } from './inbox.js';
import { createInboxCursors } from './inbox-cursor.js';
import { createInboxStore } from './inbox-store.js';
import type { InboxQuota } from './inbox-quota.js';
import type { AuditSink, Clock, DeliveryLog, DeliveryMetrics, DeliveryRoute } from './ports.js';
import { createPushClient, type PushClient, type PushTls } from './push-client.js';
import { createTrackingStore, type TrackingStore } from './tracking-store.js';

/**
 * Builds the whole delivery part from its dependencies. The API role uses
 * `service`, `inbox` and `tracking`; the worker role also calls
 * `startWorkers()`. Shutdown order: workers (with a
 * time limit), then queues, then only the Redis connections opened here.
 */

export interface DeliverySettings {
  /** DELIVERY_ATTEMPTS */
  attempts: number;
  /** DELIVERY_BACKOFF_MS */
  backoffMs: number;
  maxBackoffMs?: number;
  /** DELIVERY_TIMEOUT_MS */
  timeoutMs: number;
  /** DELIVERY_CONCURRENCY, per recipient */
  concurrency: number;
  /** INBOX_TTL_SECONDS */
  inboxTtlSeconds: number;
  /** INBOX_MAX_ITEMS and INBOX_MAX_MB; unset: no quota. */
  inboxQuota?: InboxQuota;
  /** How often the inbox sweeper runs; default a minute. */
  sweepIntervalMs?: number;
  /** How long close() waits for deliveries in flight; default DELIVERY_TIMEOUT_MS + 1 s. */
  closeTimeoutMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  trackingRetentionSeconds?: number;
}

export interface DeliveryDependencies {
  /**
   * Either where Redis is (connections are opened here and quit on close) or
   * two connections the caller owns: `commands` for ordinary commands and
   * `queue` made with connectRedis({ forBlockingCommands: true }) for BullMQ.
   */
  redis: { target: RedisTarget } | { commands: RedisClient; queue: RedisClient };
  /** REDIS_KEY_PREFIX, a `{hash tag}`. */
  prefix: string;
  settings: DeliverySettings;
  audit: AuditSink;
  routeFor: (agencyId: string) => DeliveryRoute | undefined;
  /** The hub's client certificate and the scheme CA; needed only by workers that push. */
  tls?: PushTls;
  metrics?: DeliveryMetrics;
  /** Failed pushes are logged here at warn. */
  logger?: DeliveryLog;
  clock?: Clock;
  /** Key sealing inbox cursors (inbox-cursor.ts inboxCursorKey), shared by every hub process; random when absent. */
  inboxCursorKey?: Buffer;
  onError?: (error: Error) => void;
  /** See DeliveryProcessorOptions.beforeHandOver: the replica wait before anything leaves. */
  beforeHandOver?: () => Promise<void>;
}

export interface Delivery {
  service: DeliveryService;
  inbox: Inbox;
  tracking: TrackingStore;
  deadLetters: DeadLetterStore;
  queue: DeliveryQueue;
  /** Starts one worker per recipient and the inbox sweeper. */
  startWorkers(recipients: readonly string[]): DeliveryWorkers;
  /** Idempotent. */
  close(): Promise<void>;
}

export function createDelivery(deps: DeliveryDependencies): Delivery {
  const owned: RedisClient[] = [];
  let commands: RedisClient;
  let queueConnection: RedisClient;
  if ('target' in deps.redis) {
    commands = connectRedis(deps.redis.target, { connectionName: 'isp-hub-delivery' });
    queueConnection = connectRedis(deps.redis.target, { connectionName: 'isp-hub-delivery-queue', forBlockingCommands: true });
    owned.push(commands, queueConnection);
  } else {
    commands = deps.redis.commands;
    queueConnection = deps.redis.queue;
  }
  const { settings, prefix, audit } = deps;
  const clock = deps.clock;
  const stores = { redis: commands, prefix };
  const tracking = createTrackingStore({ ...stores, ...(settings.trackingRetentionSeconds ? { retentionSeconds: settings.trackingRetentionSeconds } : {}), ...(clock ? { clock } : {}) });
  const inboxStore = createInboxStore(stores);
  const deadLetters = createDeadLetterStore(stores);
  const queue = createDeliveryQueue({ connection: queueConnection, prefix, attempts: settings.attempts, backoffMs: settings.backoffMs });
  const cursors = createInboxCursors(deps.inboxCursorKey);
  const inbox = createInbox({ store: inboxStore, tracking, audit, cursors, ttlSeconds: settings.inboxTtlSeconds, ...(deps.metrics ? { metrics: deps.metrics } : {}), ...(clock ? { clock } : {}) });
  const service = createDeliveryService({
    queue,
    tracking,
    deadLetters,
    audit,
    routeFor: deps.routeFor,
    ...(settings.inboxQuota ? { inboxes: { store: inboxStore, quota: settings.inboxQuota } } : {}),
    ...(clock ? { clock } : {}),
  });

  const started: Array<{ workers: DeliveryWorkers; push: PushClient; sweeper: NodeJS.Timeout }> = [];
  let closing: Promise<void> | undefined;
  let sweeping: Promise<void> | undefined;

  function startWorkers(recipients: readonly string[]): DeliveryWorkers {
    if (closing) throw new TypeError('delivery is closed');
    if (!deps.tls) throw new TypeError('startWorkers needs the hub client certificate (tls) to push');
    const push = createPushClient({ tls: deps.tls, timeoutMs: settings.timeoutMs, maxSocketsPerOrigin: settings.concurrency });
    const processor = createDeliveryProcessor({
      push,
      inbox: inboxStore,
      tracking,
      deadLetters,
      audit,
      inboxTtlSeconds: settings.inboxTtlSeconds,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(clock ? { clock } : {}),
      ...(deps.beforeHandOver ? { beforeHandOver: deps.beforeHandOver } : {}),
    });
    const workers = createDeliveryWorkers({
      connection: queueConnection,
      prefix,
      recipients,
      processor,
      concurrency: settings.concurrency,
      backoff: { baseMs: settings.backoffMs, maxMs: settings.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS },
      closeTimeoutMs: settings.closeTimeoutMs ?? settings.timeoutMs + 1000,
      // Past the time limit, cut the pushes in flight: their jobs fail this
      // attempt and run again later, marked as redeliveries.
      onCloseTimeout: () => push.close(),
      ...(settings.lockDurationMs !== undefined ? { lockDurationMs: settings.lockDurationMs } : {}),
      ...(settings.stalledIntervalMs !== undefined ? { stalledIntervalMs: settings.stalledIntervalMs } : {}),
      ...(settings.maxStalledCount !== undefined ? { maxStalledCount: settings.maxStalledCount } : {}),
      ...(deps.onError ? { onError: deps.onError } : {}),
    });
    // One sweep at a time, and close() waits for the one in flight, so it never
    // runs on connections the caller is about to quit.
    const sweeper = setInterval(() => {
      sweeping ??= inbox
        .sweepExpired()
        .then(() => undefined)
        .catch((error: unknown) => deps.onError?.(error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          sweeping = undefined;
        });
    }, settings.sweepIntervalMs ?? 60_000);
    sweeper.unref();
    started.push({ workers, push, sweeper });
    return workers;
  }

  async function closeAll(): Promise<void> {
    for (const { sweeper } of started) clearInterval(sweeper);
    await sweeping;
    await Promise.all(started.map(({ workers }) => workers.close()));
    for (const { push } of started) push.close();
    await queue.close();
    await Promise.all(owned.map((client) => client.quit().catch(() => undefined)));
  }

  return {
    service,
    inbox,
    tracking,
    deadLetters,
    queue,
    startWorkers,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
