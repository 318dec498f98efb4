import type { AuditEntryInput } from '../../audit/entry.js';
import type { RedisClient } from '../../redis/index.js';

/** The one method delivery needs from the audit log (src/audit `createAuditLog`). */
export interface AuditSink {
  append(input: AuditEntryInput): Promise<unknown>;
}

/** Hooks for /metrics; every one optional so tests and the CLI can leave them out. */
export interface DeliveryMetrics {
  delivered?(recipientAgencyId: string, latencyMs: number, attempt: number): void;
  attemptFailed?(recipientAgencyId: string, outcome: string): void;
  deadLettered?(recipientAgencyId: string): void;
  collected?(recipientAgencyId: string): void;
  expired?(recipientAgencyId: string): void;
}

/** Epoch milliseconds; injected so expiry can be tested without waiting. */
export type Clock = () => number;

/** The operational log, as far as delivery writes to it: codes and ids, never record data. */
export interface DeliveryLog {
  warn(message: string, meta: Record<string, unknown>): void;
}

export const systemClock: Clock = () => Date.now();

/** How a recipient takes deliveries: the registry's `delivery` entry (policies/agencies.yaml). */
export type DeliveryRoute = { mode: 'push'; url: string } | { mode: 'pull' };

export interface StoreDependencies {
  /** A connection for ordinary commands (fail fast), owned by the caller. */
  redis: RedisClient;
  /** The configured `{hash tag}` prefix (REDIS_KEY_PREFIX). */
  prefix: string;
}
