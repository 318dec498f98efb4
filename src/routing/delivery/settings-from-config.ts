import type { HubConfig } from '../../config/index.js';
import type { DeliverySettings } from './create-delivery.js';

/** The delivery settings a hub process and the `deliveries` CLI both read from the environment. */
export function deliverySettingsFrom(config: HubConfig): DeliverySettings {
  return {
    attempts: config.DELIVERY_ATTEMPTS,
    backoffMs: config.DELIVERY_BACKOFF_MS,
    timeoutMs: config.DELIVERY_TIMEOUT_MS,
    concurrency: config.DELIVERY_CONCURRENCY,
    inboxTtlSeconds: config.INBOX_TTL_SECONDS,
    inboxQuota: { maxItems: config.INBOX_MAX_ITEMS, maxBytes: config.INBOX_MAX_MB * 1024 * 1024 },
    // A worker killed mid-delivery releases its job after the lock runs out (BullMQ's default 30 s when unset).
    ...(config.DELIVERY_LOCK_MS !== undefined ? { lockDurationMs: config.DELIVERY_LOCK_MS, stalledIntervalMs: config.DELIVERY_LOCK_MS } : {}),
  };
}
