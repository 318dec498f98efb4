import type { X509Certificate } from 'node:crypto';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/index.js';
import { createAppender, type AppendOptions, type AppenderOptions } from './appender.js';
import { createArchiveStore, type ArchiveStore } from './archive-store.js';
import { archiveOldEntries, type ArchiveOptions, type ArchiveResult } from './archiver.js';
import { signCheckpoint, assertP256, type CheckpointSigner } from './checkpoint-signer.js';
import type { AuditEntry, AuditEntryInput } from './entry.js';
import { readEntryBytes } from './entry-bytes.js';
import { auditKeys, type AuditKeys } from './keys.js';
import { createRollbackGuard, type HaltReport, type RollbackGuard } from './rollback-guard.js';
import { createSharedStore, type SharedStore } from './shared-store.js';
import { createSigningHistory, type SigningHistory } from './signing-history.js';
import { createTreeStore, type TreeStore } from './tree-store.js';
import { readCheckpointUnverified, type SignedCheckpoint } from './verify/checkpoint.js';
import { consistencyPath, inclusionPath, rootHash, MissingBlockError, type BlockReader } from './verify/merkle.js';
import type { ConsistencyProof, InclusionProof } from './verify/proofs.js';

export interface AuditLogOptions {
  redis: RedisClient;
  /** The configured `{hash tag}` prefix (REDIS_KEY_PREFIX). */
  prefix: string;
  /** The hub's signing key and certificate; without it the log cannot checkpoint. */
  signer?: CheckpointSigner;
  /** Signing certificates used before `signer` (HUB_CERT_DIR/previous): recorded in the history ahead of it. */
  previousSigningCertificates?: readonly X509Certificate[];
  /** HUB_ID: the `origin` of every checkpoint. */
  origin?: string;
  /** AUDIT_ARCHIVE_DIR: where segment files go and are read from. */
  archiveDir?: string;
  logger?: Logger;
  /** Most entries per append script call (default 512). */
  maxBatch?: number;
  clock?: () => Date;
  /** Called once if the log stops because Redis no longer extends the last signed checkpoint. */
  onHalt?: (report: HaltReport) => void;
  /**
   * Resolves once the entries Redis holds now have reached the configured
   * replicas (src/redis/replica-ack.ts). A checkpoint is signed only after
   * it: a signed size that a promoted replica lacks would fork the log.
   */
  afterWrites?: () => Promise<void>;
  /**
   * Hub processes: stand as the log's sequencer candidate (appender.ts),
   * holding the lease while alive. Others (CLI commands, tests) take it only
   * while they have appends and nobody else holds it. Call close() at the end.
   */
  standAsSequencer?: boolean;
  /** How long a once-key keeps a retried message from being appended again (REPLAY_WINDOW_SECONDS). */
  onceSeconds?: number;
  /** Most batches the queue for the sequencer may hold (AUDIT_QUEUE_MAX_BATCHES). */
  maxQueuedBatches?: number;
  /** Told of each of this process's batches the full queue refused (the hub counts them for /metrics). */
  onQueueFull?: () => void;
  /** Runs before every batch is stored (see AppenderOptions.beforeAppend). */
  beforeAppend?: AppenderOptions['beforeAppend'];
}

export type AppendListener = (entries: AuditEntry[], treeSize: number) => void;

export { CHECKPOINT_LOG_FILE } from './rollback-guard.js';

/**
 * The append-only audit log: entries in Redis, hashed as
 * RFC 6962 leaves, signed checkpoints, inclusion and consistency proofs, and
 * transparent reads from archive segments. Several hub processes may each
 * create one against the same Redis; they share one total order.
 */
export function createAuditLog(options: AuditLogOptions) {
  const { redis, prefix, logger } = options;
  if (options.signer) assertP256(options.signer);
  const keys: AuditKeys = auditKeys(prefix);
  const tree: TreeStore = createTreeStore(redis, keys);
  const archive: ArchiveStore | undefined = options.archiveDir ? createArchiveStore(options.archiveDir, logger ? { logger } : {}) : undefined;
  const shared: SharedStore | undefined = options.archiveDir ? createSharedStore(redis, keys, options.archiveDir) : undefined;
  const history: SigningHistory = createSigningHistory(shared);
  const guard: RollbackGuard = createRollbackGuard({ redis, keys, tree, logger, ...(shared ? { store: shared } : {}), ...(options.onHalt ? { onHalt: options.onHalt } : {}) });
  const origin = options.origin ?? 'isp-hub';
  const clock = options.clock ?? (() => new Date());
  const listeners = new Set<AppendListener>();
  const appender = createAppender({
    redis,
    keys,
    // The appender reads the log's right edge from Redis only through frontierAt: when it starts,
    // and whenever Redis holds something other than what it built on. That is where a rollback
    // or a fork shows, so the guard checks there, before any batch is built on what Redis holds.
    tree: {
      ...tree,
      async frontierAt(atSize: number) {
        await guard.assertExtends();
        return tree.frontierAt(atSize);
      },
    },
    maxBatch: options.maxBatch,
    clock,
    logger,
    readEntries: (seqs) => getEntries(seqs),
    // Appends queued for another sequencer are checked there against what that process knows;
    // this process checks against what it signed before it starts queueing.
    beforeQueueing: () => guard.assertExtends(),
    ...(options.standAsSequencer ? { standAsSequencer: true } : {}),
    ...(options.onceSeconds ? { onceSeconds: options.onceSeconds } : {}),
    ...(options.maxQueuedBatches ? { maxQueuedBatches: options.maxQueuedBatches } : {}),
    ...(options.onQueueFull ? { onQueueFull: options.onQueueFull } : {}),
    ...(options.beforeAppend ? { beforeAppend: options.beforeAppend } : {}),
    onCommitted: (entries, size) => {
      for (const listener of listeners) {
        try {
          listener(entries, size);
        } catch (error) {
          logger?.warn('audit append listener failed', { event: 'audit.listener-failed', error });
        }
      }
    },
  });

  appender.start();

  async function size(): Promise<number> {
    return Number((await redis.get(keys.size)) ?? '0');
  }

  /** Raw canonical bytes by seq, from Redis and then the archive; absent seqs are left out. */
  function readRawEntries(seqs: number[]): Promise<Map<number, Buffer>> {
    return readEntryBytes(redis, keys, archive, seqs);
  }

  /**
   * The entry stored at position `seq`. Its own `seq` must be that position:
   * an entry moved (two swapped) would otherwise be shown in the other's place.
   */
  function entryAt(seq: number, body: Buffer): AuditEntry {
    let entry: AuditEntry;
    try {
      entry = JSON.parse(body.toString('utf8')) as AuditEntry;
    } catch {
      throw new HubError('AUDIT_TAMPERED', `the audit entry stored at ${seq} is not JSON`, { seq });
    }
    if (entry.seq !== seq) {
      throw new HubError('AUDIT_TAMPERED', `the audit entry stored at ${seq} says it is entry ${String(entry.seq)}`, { seq, found: entry.seq });
    }
    return entry;
  }

  async function getEntries(seqs: number[]): Promise<AuditEntry[]> {
    const wanted = seqs.filter((seq) => Number.isSafeInteger(seq) && seq >= 0);
    const raw = await readRawEntries([...new Set(wanted)]);
    const entries: AuditEntry[] = [];
    for (const seq of wanted) {
      const body = raw.get(seq);
      if (body) entries.push(entryAt(seq, body));
    }
    return entries;
  }

  async function checkpointsBetween(min: number | string, max: number | string, reverse = false, limit = 1): Promise<SignedCheckpoint[]> {
    const found = reverse
      ? await redis.zrevrangebyscore(keys.checkpoints, max, min, 'LIMIT', 0, limit)
      : await redis.zrangebyscore(keys.checkpoints, min, max, 'LIMIT', 0, limit);
    return found.map((jws) => ({ jws, checkpoint: readCheckpointUnverified(jws) }));
  }

  function requireSize(value: number, name: string): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new HubError('BAD_REQUEST', `${name} must be a whole number`);
  }

  async function withTree<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof MissingBlockError) throw new HubError('AUDIT_TAMPERED', 'the stored tree has lost a block', { level: error.ref.level, index: error.ref.index });
      throw error;
    }
  }

  /** A Merkle computation over the first `treeSize` entries, in one round trip with the size check. */
  function computeAt<T>(treeSize: number, computation: (read: BlockReader) => T): Promise<T> {
    return withTree(() => tree.computeAt(treeSize, computation, () => new HubError('AUDIT_NOT_FOUND', 'the log is not that large yet')));
  }

  return {
    keys,
    /** Validates and appends one entry; resolves once it is stored in Redis. */
    append: (input: AuditEntryInput, appendOptions?: AppendOptions): Promise<AuditEntry> => appender.append(input, appendOptions),
    /**
     * Appends entries together (stored whole or not at all); with `once`,
     * at most once for that key however often a retry asks.
     */
    appendMany: (inputs: AuditEntryInput[], appendOptions?: AppendOptions): Promise<AuditEntry[]> => appender.appendMany(inputs, appendOptions),
    /** Another process is the log's sequencer: it integrates entries and signs checkpoints. */
    isFollower: (): boolean => appender.isFollower(),
    /** Gives the sequencer lease up and fails appends still waiting; the log is unusable for appends afterwards. */
    close: (): Promise<void> => appender.close(),
    size,
    async getEntry(seq: number): Promise<AuditEntry | undefined> {
      return (await getEntries([seq]))[0];
    },
    /** Entries in the order asked, from Redis or the archive; seqs that do not exist are left out. */
    getEntries,
    readRawEntries,
    /** Listen for committed batches (the checkpoint scheduler uses this). */
    onAppended(listener: AppendListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async rootHash(treeSize: number): Promise<Buffer> {
      requireSize(treeSize, 'treeSize');
      return computeAt(treeSize, (read) => rootHash(treeSize, read));
    },

    /** Signs the current tree (no new checkpoint when the newest already has this size). */
    async checkpoint(): Promise<SignedCheckpoint> {
      if (!options.signer) throw new TypeError('this audit log was created without a signer');
      // Never sign a tree that does not extend the last signed one (RFC 9162 s.1.1).
      await guard.assertExtends();
      const treeSize = await size();
      const [latest] = await checkpointsBetween('-inf', '+inf', true);
      if (latest && latest.checkpoint.treeSize === treeSize) return latest;
      await options.afterWrites?.();
      const root = await withTree(() => tree.compute((read) => rootHash(treeSize, read)));
      const now = clock();
      const checkpoint = { origin, treeSize, rootHash: root.toString('base64'), time: now.toISOString() };
      // Published before it is used: a checkpoint must stay verifiable after its key is rotated away.
      for (const previous of options.previousSigningCertificates ?? []) await history.ensure(previous, null);
      await history.ensure(options.signer.certificate, now);
      const jws = await signCheckpoint(options.signer, checkpoint);
      await guard.record(jws);
      await redis.zadd(keys.checkpoints, treeSize, jws);
      logger?.info('audit checkpoint signed', { event: 'audit.checkpoint', treeSize });
      return { jws, checkpoint };
    },
    async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
      return (await checkpointsBetween('-inf', '+inf', true))[0];
    },
    async checkpointAt(treeSize: number): Promise<SignedCheckpoint | undefined> {
      requireSize(treeSize, 'treeSize');
      return (await checkpointsBetween(treeSize, treeSize))[0];
    },
    /** Checkpoints of trees larger than `after`, smallest first, at most `limit` (the paged list). */
    async checkpointsAfter(after: number, limit: number): Promise<SignedCheckpoint[]> {
      return checkpointsBetween(`(${after}`, '+inf', false, limit);
    },
    /** Every checkpoint, smallest tree first. */
    async checkpoints(): Promise<SignedCheckpoint[]> {
      return checkpointsBetween('-inf', '+inf', false, -1);
    },

    /** RFC 6962 s.2.1.1 audit path for entry `seq` in the tree of the first `treeSize` entries. */
    async inclusionProof(seq: number, treeSize: number): Promise<InclusionProof> {
      requireSize(seq, 'seq');
      requireSize(treeSize, 'treeSize');
      if (seq >= treeSize) throw new HubError('BAD_REQUEST', 'the entry must lie inside the tree');
      const { path: nodes, leaf } = await computeAt(treeSize, (read) => ({ path: inclusionPath(seq, treeSize, read), leaf: read(0, seq) }));
      return { type: 'inclusion', leafIndex: seq, treeSize, leafHash: leaf.toString('base64'), path: nodes.map((hash) => hash.toString('base64')) };
    },
    /** RFC 6962 s.2.1.2 consistency proof from tree size `from` to `to`. */
    async consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
      requireSize(from, 'from');
      requireSize(to, 'to');
      if (from > to) throw new HubError('BAD_REQUEST', 'the first tree must not be larger than the second');
      const nodes = await computeAt(to, (read) => consistencyPath(from, to, read));
      return { type: 'consistency', firstSize: from, secondSize: to, path: nodes.map((hash) => hash.toString('base64')) };
    },

    /** Moves entries older than `olderThan` to segment files (needs archiveDir). */
    async archive(archiveOptions: ArchiveOptions): Promise<ArchiveResult> {
      if (!archive || !shared) throw new TypeError('this audit log was created without an archive directory');
      // Entries leave Redis for the archive only if every other process can read them there.
      await shared.assertShared();
      return archiveOldEntries({ redis, keys, tree, store: archive, logger }, archiveOptions);
    },
    archiveStore: archive,
    /** Every certificate checkpoints were signed with (published for verifiers). */
    signingHistory: history,
    tree,
    /** Why the log stopped (a rollback or fork), or undefined while it runs. */
    halted: (): HaltReport | undefined => guard.halted(),
    /** Checks now that Redis still extends the last signed checkpoint (the health probe); the halt report if not. */
    async checkConsistency(): Promise<HaltReport | undefined> {
      await guard.assertExtends().catch((error: unknown) => {
        if (!guard.halted()) throw error;
      });
      return guard.halted();
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
