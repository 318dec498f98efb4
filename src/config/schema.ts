import { z } from 'zod';

/**
 * Every setting the hub reads from its environment. Defaults describe the
 * embedded default: one machine, the example protocol, the demonstration
 * certificates and a private redis-server under ./data. Production must set
 * the secrets (see `productionRules` in load-config.ts).
 */

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const commaList = z
  .string()
  .transform((text) => text.split(',').map((item) => item.trim()).filter((item) => item.length > 0));
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
/** 32 bytes as 64 hex characters: HMAC and AES-256-GCM keys. */
const key256 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hexadecimal characters (32 bytes)');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  HUB_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: integer(0, 65535).default(8443),
  /** Where Prometheus metrics are served (plain HTTP, GET /metrics only; never on the API port). */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Unset: 9464, or a free port when PORT is 0 (tests, `demo --start`). */
  METRICS_PORT: integer(0, 65535).optional(),
  /** Scrape credential (`Authorization: Bearer`); required when METRICS_HOST is not a loopback address. */
  METRICS_TOKEN: z.string().regex(/^[A-Za-z0-9._~+/=-]{32,256}$/, 'expected 32 to 256 token characters').optional(),
  /** The hub's identity in `aud` and `iss` claims and audit checkpoints. */
  HUB_ID: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,62}$/).default('isp-hub'),

  DATA_DIR: z.string().min(1).default('./data'),
  POLICY_DIR: z.string().min(1).default('./policies'),
  CA_CERT: z.string().min(1).default('./certs-example/ca/cert.pem'),
  REVOCATION_LIST: z.string().min(1).default('./certs-example/ca/revocations.json'),
  HUB_CERT_DIR: z.string().min(1).default('./certs-example/hub'),

  REDIS_URL: z.string().url().optional(),
  REDIS_SENTINELS: commaList.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: commaList.optional(),
  /** Wrapped in {braces} so every key hashes to one Redis Cluster slot (BullMQ needs this). */
  REDIS_KEY_PREFIX: z.string().regex(/^\{[A-Za-z0-9_-]{1,32}\}:?$/, 'expected a {hash tag}, e.g. {isp}').default('{isp}'),
  REDIS_BINARY: z.string().min(1).default('redis-server'),
  /** The embedded redis-server's maxmemory; unset: half the machine's memory, at least 256 MiB (src/redis/memory-budget.ts). */
  REDIS_MAXMEMORY_MB: integer(64, 16 * 1024 * 1024).optional(),
  /** /health warns once Redis uses this share of its maxmemory (of the machine's memory when it has none). */
  REDIS_MEMORY_WARN_PERCENT: integer(1, 100).default(80),
  /**
   * Replicas that must hold a message's writes (audit entries, idempotency
   * record, delivery jobs) before intake answers 202, and a checkpoint's
   * entries before it is signed (Redis WAIT). 0: no WAIT (the embedded default has no replicas).
   */
  REDIS_MIN_REPLICAS_ACK: integer(0, 16).default(0),
  /** How long one WAIT may take; past it the sender gets 503 and retries with the same bytes. */
  REDIS_REPLICA_ACK_TIMEOUT_MS: integer(10, 60_000).default(1000),

  ENVELOPE_MAX_BYTES: integer(1024, 16 * 1024 * 1024).default(256 * 1024),
  CLOCK_SKEW_SECONDS: integer(0, 3600).default(60),
  MAX_MESSAGE_LIFETIME_SECONDS: integer(60, 7 * 24 * 3600).default(3600),
  REPLAY_WINDOW_SECONDS: integer(60, 30 * 24 * 3600).default(7 * 24 * 3600),

  /** Key for pseudonymous subject keys: HMAC-SHA256 over normalised identifiers. */
  SUBJECT_KEY_SECRET: key256.optional(),
  /** AES-256-GCM key for risk-flag values at rest. */
  FLAG_ENCRYPTION_KEY: key256.optional(),

  AUDIT_CHECKPOINT_EVERY: integer(1, 10_000_000).default(1000),
  AUDIT_CHECKPOINT_SECONDS: integer(1, 86_400).default(10),
  AUDIT_ARCHIVE_AFTER_HOURS: integer(1, 24 * 3650).default(24 * 30),
  AUDIT_ARCHIVE_DIR: z.string().min(1).optional(),
  /** Most batches the audit queue (the Redis stream the sequencer integrates) may hold; past it appends are refused with 503. */
  AUDIT_QUEUE_MAX_BATCHES: integer(1, 10_000_000).default(10_000),

  DELIVERY_ATTEMPTS: integer(1, 100).default(8),
  DELIVERY_BACKOFF_MS: integer(10, 3_600_000).default(2000),
  DELIVERY_TIMEOUT_MS: integer(100, 300_000).default(10_000),
  DELIVERY_CONCURRENCY: integer(1, 1000).default(32),
  /** BullMQ job lock: a delivery whose worker died (kill -9) runs again after about this long (BullMQ's default 30 s when unset). */
  DELIVERY_LOCK_MS: integer(1000, 600_000).optional(),
  INBOX_TTL_SECONDS: integer(60, 90 * 24 * 3600).default(72 * 3600),
  /** What one recipient's pull inbox may hold, by count and by megabytes of sealed envelopes; past either, 429 INBOX_FULL (src/routing/delivery/inbox-quota.ts). */
  INBOX_MAX_ITEMS: integer(1, 10_000_000).default(10_000),
  INBOX_MAX_MB: integer(1, 1024 * 1024).default(256),

  RATE_LIMIT_PER_MINUTE: integer(1, 10_000_000).default(60_000),
  /** Refused sign-ins audited one by one per network address per minute; past it, 429 without an entry each (src/http/authentication-failures.ts). */
  AUTH_FAILURES_AUDITED_PER_MINUTE: integer(1, 1_000_000).default(60),
  /** Refused requests of one agency audited one by one per minute; past it, one entry and 429 REFUSALS_LIMITED (src/http/refused-requests.ts). */
  REFUSALS_AUDITED_PER_MINUTE: integer(1, 1_000_000).default(60),
  /** Megabytes of envelopes one agency may send per minute; past it, 429 SEND_BUDGET_EXCEEDED (src/http/byte-budget.ts). */
  SEND_MB_PER_MINUTE: integer(1, 1024 * 1024).default(64),
  REQUEST_TIMEOUT_MS: integer(1000, 600_000).default(30_000),
  HEADERS_TIMEOUT_MS: integer(1000, 600_000).default(10_000),
  /** How long an idle kept-alive connection stays open; above a typical load balancer's 60 s idle timeout. */
  KEEP_ALIVE_TIMEOUT_MS: integer(1000, 600_000).default(65_000),
  MAX_JSON_DEPTH: integer(2, 256).default(32),

  /** Off unless set: proxies whose client-certificate header is believed. */
  TRUSTED_PROXIES: commaList.optional(),
  CLIENT_CERT_HEADER: z.string().regex(/^[a-z0-9-]+$/).default('x-client-cert'),

  DPO_ISSUER: z.string().url().optional(),
  DPO_JWKS_URL: z.string().url().optional(),
  DPO_AUDIENCE: z.string().min(1).default('isp-hub-console'),
  DPO_TOKEN_TTL_SECONDS: integer(60, 24 * 3600).default(15 * 60),
  /** Audit API requests per DPO (token subject) per minute; past it 429 and one audit entry for the flood. */
  DPO_RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000).default(300),
  /** Longest `exp - iat` a DPO token may have, whoever issued it; DPO_TOKEN_TTL_SECONDS must not exceed it. */
  DPO_TOKEN_MAX_LIFETIME_SECONDS: integer(60, 24 * 3600).default(3600),

  ALLOW_DEMO_CERTS: booleanFlag.optional(),

  /** The most facts the statistics ledger holds (one per message that feeds it); past it, facts are refused and audited. */
  STATISTICS_MAX_FACTS: integer(1000, 100_000_000).default(10_000_000),
  /** Scheme returns disclosure control (docs/returns.md): counts 1 to N-1 are shown as `<N`. */
  RETURNS_SUPPRESS_BELOW: integer(2, 100).default(5),
  /** No percentage or rate on a denominator under this. */
  RETURNS_MIN_DENOMINATOR: integer(1, 1000).default(10),
  /** No median on fewer values than this. */
  RETURNS_MIN_MEDIAN_VALUES: integer(1, 1000).default(5),
  /** No before/after comparison on a cohort under this (the Justice Data Lab's minimum). */
  RETURNS_MIN_COMPARISON_COHORT: integer(1, 100_000).default(60),
});

export type ConfigInput = z.input<typeof configSchema>;
export type HubConfig = Readonly<z.output<typeof configSchema>>;
