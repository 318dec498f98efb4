import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Redis's memory use and the bound it works within (src/redis readRedisMemory). */
export type RedisMemorySource = () => Promise<{ usedBytes: number; limitBytes: number }>;

/** Depth of each queue, by state (waiting, delayed, active, failed...). */
export type QueueDepthSource = () => Promise<ReadonlyArray<{ queue: string; state: string; depth: number }>>;

/**
 * The hub's Prometheus metrics, typed so callers cannot misspell a label.
 * One instance per hub (tests make as many as they like: each has its own
 * registry). Label values are codes and ids, never personal data; rule ids,
 * message types and outcomes are small closed sets, so cardinality stays low.
 */
export interface HubMetrics {
  readonly registry: Registry;
  /** A message accepted, refused or answered at intake: outcome e.g. `accepted`, `duplicate`, or an error code. */
  messageReceived(labels: { type: string; outcome: string }): void;
  /** One policy decision for one recipient. */
  policyDecision(labels: { rule: string; decision: 'permit' | 'deny' | 'not-applicable' }): void;
  /** Seconds from intake to the recipient's receipt (push) or collection (pull). */
  observeDeliveryLatency(labels: { mode: 'push' | 'pull' }, seconds: number): void;
  deadLetter(labels: { type: string }): void;
  /** Seconds one audit append took, durable in Redis. */
  observeAuditAppend(seconds: number): void;
  observeHttpRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** A refused sign-in (client certificate or DPO token); `recorded: false` once a flood from one address is no longer audited one by one. */
  authenticationFailure(labels: { recorded: boolean }): void;
  /** The audit log stopped: Redis no longer extends the last signed checkpoint (`kind` rollback or fork). */
  auditLogHalted(labels: { kind: string }): void;
  /** A batch of audit entries refused because the queue for the sequencer held AUDIT_QUEUE_MAX_BATCHES. */
  auditQueueRefused(): void;
  /** Where the audit queue gauge reads how many batches wait for the sequencer, at scrape time. */
  setAuditQueueSource(source: () => Promise<number>): void;
  /** Where the queue depth gauge reads from at scrape time (set once the queues exist). */
  setQueueDepthSource(source: QueueDepthSource): void;
  /** Where the Redis memory gauges read from at scrape time. */
  setRedisMemorySource(source: RedisMemorySource): void;
  /** Prometheus text exposition format 0.0.4. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface HubMetricsOptions {
  queueDepth?: QueueDepthSource;
  /** Process metrics (CPU, memory, event loop lag); on by default. */
  processMetrics?: boolean;
  prefix?: string;
}

export function createHubMetrics(options: HubMetricsOptions = {}): HubMetrics {
  const registry = new Registry();
  const prefix = options.prefix ?? 'isp_hub_';
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  let queueDepth: QueueDepthSource | undefined = options.queueDepth;
  let redisMemory: RedisMemorySource | undefined;
  let auditQueue: (() => Promise<number>) | undefined;

  const messages = new Counter({
    name: `${prefix}messages_total`,
    help: 'Messages received, by message type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const decisions = new Counter({
    name: `${prefix}policy_decisions_total`,
    help: 'Policy decisions, by deciding rule and decision',
    labelNames: ['rule', 'decision'] as const,
    registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: `${prefix}delivery_latency_seconds`,
    help: 'Seconds from intake to receipt by the recipient',
    labelNames: ['mode'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: `${prefix}dead_letters_total`,
    help: 'Deliveries that exhausted their retries',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const auditAppend = new Histogram({
    name: `${prefix}audit_append_seconds`,
    help: 'Seconds to append one audit entry durably',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const httpRequests = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'HTTP requests, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const authenticationFailures = new Counter({
    name: `${prefix}authentication_failures_total`,
    help: 'Refused client certificates and DPO tokens, by whether each got its own audit entry',
    labelNames: ['recorded'] as const,
    registers: [registry],
  });
  const auditHalted = new Gauge({
    name: `${prefix}audit_log_halted`,
    help: '1 while the audit log is stopped because Redis does not extend the last signed checkpoint, by rollback or fork',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const auditQueueRefusals = new Counter({
    name: `${prefix}audit_queue_refused_total`,
    help: 'Batches of audit entries refused (503) because the queue for the sequencer was full (AUDIT_QUEUE_MAX_BATCHES)',
    registers: [registry],
  });
  new Gauge({
    name: `${prefix}audit_queue_batches`,
    help: 'Batches of audit entries waiting in Redis for the sequencer to integrate, read at scrape time',
    registers: [registry],
    async collect() {
      if (auditQueue) this.set(await auditQueue());
    },
  });
  new Gauge({
    name: `${prefix}queue_depth`,
    help: 'Jobs in each queue, by state, read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!queueDepth) return;
      for (const { queue, state, depth } of await queueDepth()) this.set({ queue, state }, depth);
    },
  });

  const readRedisMemory = () => (redisMemory ? redisMemory() : Promise.resolve(undefined));
  new Gauge({
    name: `${prefix}redis_memory_used_bytes`,
    help: 'Memory Redis uses (INFO used_memory), read at scrape time',
    registers: [registry],
    async collect() {
      const memory = await readRedisMemory();
      if (memory) this.set(memory.usedBytes);
    },
  });
  new Gauge({
    name: `${prefix}redis_memory_limit_bytes`,
    help: "Redis's maxmemory, or the machine's memory when it has none, read at scrape time",
    registers: [registry],
    async collect() {
      const memory = await readRedisMemory();
      if (memory) this.set(memory.limitBytes);
    },
  });

  return {
    registry,
    messageReceived: ({ type, outcome }) => messages.inc({ type, outcome }),
    policyDecision: ({ rule, decision }) => decisions.inc({ rule, decision }),
    observeDeliveryLatency: ({ mode }, seconds) => deliveryLatency.observe({ mode }, seconds),
    deadLetter: ({ type }) => deadLetters.inc({ type }),
    observeAuditAppend: (seconds) => auditAppend.observe(seconds),
    observeHttpRequest: ({ method, route, status }, seconds) => httpRequests.observe({ method, route, status: String(status) }, seconds),
    authenticationFailure: ({ recorded }) => authenticationFailures.inc({ recorded: recorded ? 'yes' : 'no' }),
    auditLogHalted: ({ kind }) => auditHalted.set({ kind }, 1),
    auditQueueRefused: () => auditQueueRefusals.inc(),
    setAuditQueueSource: (source) => {
      auditQueue = source;
    },
    setQueueDepthSource: (source) => {
      queueDepth = source;
    },
    setRedisMemorySource: (source) => {
      redisMemory = source;
    },
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
