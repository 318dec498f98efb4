import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { metricsPortOf, type HubConfig } from '../config/index.js';
import { auditKeys, CheckpointScheduler, createAuditLog, createSubjectKeyer, type AppendOptions, type AuditEntryInput } from '../audit/index.js';
import { createFlagCipher, createFlagRegister } from '../flags/index.js';
import {
  auditCheckpointCheck,
  auditConsistencyCheck,
  certificateExpiryCheck,
  createApp,
  createHubMetrics,
  createHubServer,
  createMetricsServer,
  createRedisRateLimiter,
  redisMemoryCheck,
  redisPingCheck,
  workersCheck,
  type HubServer,
  type RouteModule,
} from '../http/index.js';
import { auditHaltGate } from '../http/routes/audit-halt-gate.js';
import { inboxRoutes } from '../http/routes/inbox.js';
import { messageRoutes } from '../http/routes/messages.js';
import { isHubError } from '../errors.js';
import { createRedisByteBudget } from '../http/byte-budget.js';
import { createRefusedRequests } from '../http/refused-requests.js';
import { capabilitiesRoutes } from '../http/routes/capabilities.js';
import { schemaRoutes } from '../http/routes/schemas.js';
import type { Logger } from '../logger.js';
import { subjectIdentifiersOf } from '../messages/index.js';
import { createTrustStore, openRevocationList, readCertificatesPem } from '../pki/index.js';
import { capabilitiesOf, createPolicyStore, loadPolicySet, messageSchemasFromMessages, type PolicySet, type PolicyStore } from '../policy/index.js';
import { connectRedis, createReplicaAck, keyspace, readRedisMemory, type EmbeddedRedis, type ReplicaAck, type RedisTarget } from '../redis/index.js';
import { createDelivery, deliverySettingsFrom, inboxCursorKey, type Delivery, type DeliveryWorkers } from '../routing/delivery/index.js';
import { createIdempotencyStore } from '../routing/idempotency-store.js';
import type { IntakeAnswer } from '../routing/intake.js';
import type { MessageRecord } from '../routing/ports.js';
import type { QueryRecord } from '../routing/query.js';
import { createLedgerStore, createStatisticsFeed, createStatisticsPort, eraseExpiredFacts, type LedgerStore } from '../statistics/index.js';
import { createAgencyDirectory, type AgencyDirectory } from './agency-directory.js';
import { loadHubKeyRing, type HubKeyRing } from './hub-key-ring.js';
import { loadHubSecrets } from './local-secrets.js';
import { assertSecretsShared } from './shared-secrets-check.js';
import { createMessageOpener } from './message-opener.js';
import { createPolicyPort } from './policy-port.js';
import { bindUseCases } from './use-cases.js';
import { resolveRedisTarget } from './redis-connection.js';
import { createResealer } from './resealer.js';

export type HubRole = 'api' | 'worker' | 'all';

export interface HubOptions {
  config: HubConfig;
  logger: Logger;
  role?: HubRole;
  /** Extra route modules (the DPO audit API and console plug in here). */
  publicRoutes?: (parts: HubParts) => RouteModule[] | Promise<RouteModule[]>;
}

/** The parts a running hub is made of, for the CLI, the console and tests. */
export interface HubParts {
  config: HubConfig;
  redis: Redis;
  auditLog: ReturnType<typeof createAuditLog>;
  policy: PolicyStore;
  delivery: Delivery;
  subjectKeyer: ReturnType<typeof createSubjectKeyer>;
  keys: HubKeyRing;
  archiveDir: string;
  /** The statistics ledger scheme returns are compiled from. */
  ledger: LedgerStore;
}

export interface Hub {
  readonly parts: HubParts;
  /** The HTTPS URL when the role serves the API. */
  readonly url: string | undefined;
  /** Where this process serves Prometheus metrics (METRICS_HOST, METRICS_PORT), in every role. */
  readonly metricsUrl: string;
  /** Re-reads POLICY_DIR (SIGHUP does this for `isp-hub start`). */
  reloadPolicy(): Promise<{ ok: boolean; version: string | undefined }>;
  close(): Promise<void>;
}

/**
 * The composition root: the one place where the hub's parts are built from
 * configuration and wired together (docs/architecture.md). Nothing here holds
 * state in module variables, so tests can run many hubs side by side.
 */
export async function createHub(options: HubOptions): Promise<Hub> {
  const { config, logger } = options;
  const role = options.role ?? config.HUB_ROLE;
  const closers: Array<() => Promise<void>> = [];
  const close = once(async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => logger.error('shutdown step failed', { error }));
    }
  });
  try {
    return await build();
  } catch (error) {
    await close();
    throw error;
  }

  async function build(): Promise<Hub> {
    const { target, embedded } = await resolveRedisTarget(config);
    if (embedded) closers.push(() => stopEmbedded(embedded));
    const redis = connectRedis(target, { connectionName: `isp-hub-${role}` }) as Redis;
    closers.push(async () => void (await redis.quit().catch(() => undefined)));
    const queueConnection = connectRedis(target, { connectionName: `isp-hub-${role}-queue`, forBlockingCommands: true }) as Redis;
    closers.push(async () => void (await queueConnection.quit().catch(() => undefined)));
    const replicaAck = openReplicaAck(config, target);
    if (replicaAck.close) closers.push(replicaAck.close);
    const { afterWrites } = replicaAck.ack;

    const revocations = await openRevocationList(config.REVOCATION_LIST);
    const trust = createTrustStore({
      caCertificates: readCertificatesPem(await readFile(config.CA_CERT, 'utf8')),
      revocations,
      refuseDemonstration: config.NODE_ENV === 'production',
    });
    const revocationReload = setInterval(() => void revocations.reload().catch(() => undefined), 5000);
    revocationReload.unref();
    closers.push(async () => clearInterval(revocationReload));

    const keys = await loadHubKeyRing(config.HUB_CERT_DIR, trust);
    const secrets = await loadHubSecrets(config);
    await assertSecretsShared(redis, config.REDIS_KEY_PREFIX, secrets);
    const subjectKeyer = createSubjectKeyer(secrets.subjectKeySecret);
    const metrics = createHubMetrics();

    const archiveDir = config.AUDIT_ARCHIVE_DIR ?? path.join(config.DATA_DIR, 'audit-archive');
    const auditLog = createAuditLog({
      redis,
      prefix: config.REDIS_KEY_PREFIX,
      signer: { privateKey: keys.signing.privateKey, certificate: keys.signing.certificate },
      previousSigningCertificates: keys.previous.signing ? [keys.previous.signing.certificate] : [],
      origin: config.HUB_ID,
      archiveDir,
      logger,
      onHalt: (report) => metrics.auditLogHalted({ kind: report.kind }),
      afterWrites: () => afterWrites(),
      // Every hub process stands as the log's sequencer; one holds the lease and integrates for all.
      standAsSequencer: true,
      onceSeconds: config.REPLAY_WINDOW_SECONDS,
      maxQueuedBatches: config.AUDIT_QUEUE_MAX_BATCHES,
      onQueueFull: () => metrics.auditQueueRefused(),
    });
    closers.push(() => auditLog.close());
    /** The audit log as the use cases see it, timing each append for /metrics. */
    const timed = async <T>(append: () => Promise<T>): Promise<T> => {
      const started = process.hrtime.bigint();
      const result = await append();
      metrics.observeAuditAppend(Number(process.hrtime.bigint() - started) / 1e9);
      return result;
    };
    const audit = {
      append: (input: AuditEntryInput) => timed(() => auditLog.append(input)),
      appendMany: (inputs: AuditEntryInput[], appendOptions?: AppendOptions) => timed(() => auditLog.appendMany(inputs, appendOptions)),
    };
    const checkpoints = new CheckpointScheduler({ log: auditLog, everyEntries: config.AUDIT_CHECKPOINT_EVERY, everySeconds: config.AUDIT_CHECKPOINT_SECONDS, logger });
    checkpoints.start();
    closers.push(() => checkpoints.stop());

    // Each candidate set's agency directory (its certificates) is built before
    // the set comes into force, so a set whose certificates do not load is
    // refused as a whole and the running set keeps its own directory.
    const directories = new WeakMap<PolicySet, AgencyDirectory>();
    let inForce: PolicySet | undefined;
    const policy = createPolicyStore(async () => {
      const candidate = await loadPolicySet(config.POLICY_DIR, messageSchemasFromMessages());
      // An unchanged set keeps its directory, with the certificates it has learnt from TLS peers.
      const kept = inForce?.version === candidate.version ? directories.get(inForce) : undefined;
      directories.set(candidate, kept ?? (await createAgencyDirectory(candidate.registry, trust)));
      inForce = candidate; // the store puts the set its loader returns into force at once
      return candidate;
    });
    const agencies = (): AgencyDirectory => directories.get(policy.current()) as AgencyDirectory;
    const firstLoad = await policy.reload();
    if (!firstLoad.ok) throw firstLoad.error;
    await audit
      .append({ event: 'policy-loaded', agency: 'hub', policyVersion: firstLoad.version, outcome: 'loaded', reason: `Policy set ${firstLoad.version.slice(0, 12)} came into force.` })
      .catch((error: unknown) => {
        // A log that does not extend its last checkpoint stops the hub's work, not its start:
        // it comes up to fail /health and answer 503, so the operator sees why (the guard logged it).
        if (!isHubError(error, 'AUDIT_LOG_INCONSISTENT')) throw error;
      });

    /** A bad set is refused with its file:line problems and the running set stays in force; both are audited. */
    const reloadPolicy = async (): Promise<{ ok: boolean; version: string | undefined }> => {
      const result = await policy.reload();
      if (!result.ok) {
        await audit.append({ event: 'policy-loaded', agency: 'hub', decision: 'deny', outcome: result.error.code, reason: `A new policy set was refused; ${result.keptVersion?.slice(0, 12) ?? 'no set'} stays in force.` });
        logger.warn('policy reload refused', { code: result.error.code, details: result.error.details });
        return { ok: false, version: result.keptVersion };
      }
      if (result.changed) {
        await audit.append({ event: 'policy-loaded', agency: 'hub', policyVersion: result.version, outcome: 'loaded', reason: `Policy set ${result.version.slice(0, 12)} came into force.` });
      }
      return { ok: true, version: result.version };
    };

    const delivery = createDelivery({
      redis: { commands: redis, queue: queueConnection },
      prefix: config.REDIS_KEY_PREFIX,
      settings: deliverySettingsFrom(config),
      audit,
      routeFor: (agencyId) => policy.current().registry.get(agencyId)?.delivery,
      inboxCursorKey: inboxCursorKey(secrets.flagEncryptionKey),
      tls: { key: keys.tls.keyPem, cert: keys.tls.certificatePem + keys.tls.chainPem, ca: trust.caCertificates.map((certificate) => certificate.toString()) },
      metrics: {
        delivered: (_recipient, latencyMs) => metrics.observeDeliveryLatency({ mode: 'push' }, latencyMs / 1000),
        deadLettered: () => metrics.deadLetter({ type: 'delivery' }),
      },
      logger,
      onError: (error) => logger.error('delivery error', { error }),
      beforeHandOver: () => afterWrites(),
    });
    closers.push(() => delivery.close());

    metrics.setRedisMemorySource(() => readRedisMemory(redis));
    metrics.setAuditQueueSource(() => redis.xlen(auditKeys(config.REDIS_KEY_PREFIX).queue));
    metrics.setQueueDepthSource(async () => {
      const recipients = policy.current().registry.agencies.map((agency) => agency.id);
      const depths = await Promise.all(recipients.map(async (recipient) => ({ recipient, depth: await delivery.queue.depth(recipient) })));
      return depths.flatMap(({ recipient, depth }) => Object.entries(depth).map(([state, count]) => ({ queue: recipient, state, depth: Number(count) })));
    });
    const flags = createFlagRegister({ redis, prefix: config.REDIS_KEY_PREFIX, cipher: createFlagCipher(secrets.flagEncryptionKey), audit, onceSeconds: config.REPLAY_WINDOW_SECONDS });
    const subjectKeysOf = (record: MessageRecord) =>
      subjectIdentifiersOf(record.subject as never).map((identifier) => subjectKeyer({ kind: identifier.kind, value: identifier.value }));
    const ledger = createLedgerStore({ redis, prefix: config.REDIS_KEY_PREFIX, maxFacts: config.STATISTICS_MAX_FACTS });
    const statistics = createStatisticsPort(createStatisticsFeed(() => policy.current()), ledger, config.STATISTICS_MAX_FACTS, logger);
    const openMessage = createMessageOpener(config, () => keys, agencies);
    const policyPort = createPolicyPort(policy);
    const reseal = createResealer(config, keys, agencies);
    const intakeIdempotency = createIdempotencyStore<IntakeAnswer>({ redis, prefix: `${config.REDIS_KEY_PREFIX}:in`, ttlSeconds: config.REPLAY_WINDOW_SECONDS });
    const queryIdempotency = createIdempotencyStore<QueryRecord>({ redis, prefix: `${config.REDIS_KEY_PREFIX}:q`, ttlSeconds: config.REPLAY_WINDOW_SECONDS });

    let workers: DeliveryWorkers | undefined;
    if (role !== 'api') {
      workers = delivery.startWorkers(policy.current().registry.agencies.map((agency) => agency.id));
      closers.push(every(60_000, () => flags.expireDue(), (error) => logger.error('flag expiry failed', { error })));
      // Entries older than AUDIT_ARCHIVE_AFTER_HOURS move to archive segment files (docs/audit-format.md).
      const archiveAfterMs = config.AUDIT_ARCHIVE_AFTER_HOURS * 3600_000;
      // Statistics facts past their retain-until day are erased, each with an audit entry.
      closers.push(every(3600_000, () => eraseExpiredFacts({ store: ledger, audit }, new Date()), (error) => logger.error('statistics retention failed', { error })));
      closers.push(every(15 * 60_000, () => auditLog.archive({ olderThan: new Date(Date.now() - archiveAfterMs) }), (error) => logger.error('audit archive failed', { error })));
    }

    const metricsServer = createMetricsServer({ metrics, host: config.METRICS_HOST, port: metricsPortOf(config), token: config.METRICS_TOKEN, logger });
    const { url: metricsUrl } = await metricsServer.listen();
    closers.push(() => metricsServer.close());

    const parts: HubParts = { config, redis, auditLog, policy, delivery, subjectKeyer, keys, archiveDir, ledger };
    if (role === 'worker') return { parts, url: undefined, metricsUrl, close, reloadPolicy };

    // Refused envelopes are folded per agency like refused sign-ins (src/http/refused-requests.ts).
    const refusals = createRefusedRequests({
      limiter: createRedisRateLimiter({ redis, keyPrefix: `${config.REDIS_KEY_PREFIX}:rate`, limit: config.REFUSALS_AUDITED_PER_MINUTE }),
      audit,
      logger,
    });
    const sendBudget = createRedisByteBudget({ redis, keyPrefix: `${config.REDIS_KEY_PREFIX}:rate`, maxBytes: config.SEND_MB_PER_MINUTE * 1024 * 1024 });
    const useCases = bindUseCases({
      openMessage,
      policyPort,
      policy,
      audit,
      refusals,
      subjectKeysOf,
      intakeIdempotency,
      queryIdempotency,
      reseal,
      delivery,
      flags,
      metrics,
      afterWrites: () => afterWrites(),
      statistics,
    });

    const publicRoutes = options.publicRoutes ? await options.publicRoutes(parts) : [];
    const contract = {
      hubId: config.HUB_ID,
      clockSkewSeconds: config.CLOCK_SKEW_SECONDS,
      maxLifetimeSeconds: config.MAX_MESSAGE_LIFETIME_SECONDS,
      replayWindowSeconds: config.REPLAY_WINDOW_SECONDS,
    };
    const app = createApp({
      config,
      logger,
      identify: (certificate, context) => agencies().identify(certificate, context),
      audit,
      rateLimiter: createRedisRateLimiter({ redis, keyPrefix: `${config.REDIS_KEY_PREFIX}:rate`, limit: config.RATE_LIMIT_PER_MINUTE }),
      authenticationFailureLimiter: createRedisRateLimiter({ redis, keyPrefix: `${config.REDIS_KEY_PREFIX}:rate`, limit: config.AUTH_FAILURES_AUDITED_PER_MINUTE }),
      metrics,
      hubKeys: () => keys.publicKeys(),
      health: [
        redisPingCheck(redis),
        redisMemoryCheck(() => readRedisMemory(redis), config.REDIS_MEMORY_WARN_PERCENT),
        workersCheck(async () => (workers?.isRunning() ? workers.recipients.length : 0), role === 'api' ? 0 : 1),
        auditCheckpointCheck(async () => {
          const latest = await auditLog.latestCheckpoint();
          return latest ? new Date(latest.checkpoint.time) : null;
        }, Math.max(60, config.AUDIT_CHECKPOINT_SECONDS * 6)),
        certificateExpiryCheck(async () => keys.certificates()),
        auditConsistencyCheck(() => auditLog.checkConsistency()),
      ],
      routes: {
        agency: [
          auditHaltGate(() => auditLog.halted()),
          messageRoutes(useCases, contract, { refusals, sendBudget }),
          inboxRoutes(delivery.inbox),
          capabilitiesRoutes((agencyId) => capabilitiesOf(policy.current(), policy.current().registry.require(agencyId))),
        ],
        public: [schemaRoutes(contract), ...publicRoutes],
      },
      apiInfo: { title: 'isp-hub', version: '0.1.0' },
    });
    const server: HubServer = createHubServer({
      app,
      tls: { key: keys.tls.keyPem, cert: keys.tls.certificatePem + keys.tls.chainPem, ca: trust.caCertificates.map((certificate) => certificate.toString()) },
      config,
      logger,
    });
    const { url } = await server.listen();
    // Stop accepting HTTP first, so no request starts on a half-closed hub.
    closers.push(() => server.close());
    return { parts, url, metricsUrl, close, reloadPolicy };
  }


}

/** REDIS_MIN_REPLICAS_ACK > 0: a connection of its own for WAIT; otherwise nothing to wait for. */
function openReplicaAck(config: HubConfig, target: RedisTarget): { ack: ReplicaAck; close?: () => Promise<void> } {
  const minReplicas = config.REDIS_MIN_REPLICAS_ACK;
  const counterKey = keyspace(config.REDIS_KEY_PREFIX)('replica-ack');
  if (minReplicas === 0) return { ack: { minReplicas, afterWrites: async () => undefined } };
  const connection = connectRedis(target, { connectionName: 'isp-hub-replica-ack' });
  return {
    ack: createReplicaAck({ connection, counterKey, minReplicas, timeoutMs: config.REDIS_REPLICA_ACK_TIMEOUT_MS }),
    close: async () => void (await connection.quit().catch(() => undefined)),
  };
}

async function stopEmbedded(embedded: EmbeddedRedis): Promise<void> {
  await embedded.stop();
}

/** Runs a periodic background task; returns its stopper for the shutdown list. */
function every(intervalMs: number, task: () => Promise<unknown>, onError: (error: unknown) => void): () => Promise<void> {
  const timer = setInterval(() => void task().catch(onError), intervalMs);
  timer.unref();
  return async () => clearInterval(timer);
}

function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}
