import { appendFile, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/index.js';
import { createAppender, type AppendOptions, type AppenderOptions } from './appender.js';
import { createArchiveStore, type ArchiveStore } from './archive-store.js';
import { archiveOldEntries, type ArchiveOptions, type ArchiveResult } from './archiver.js';
import { signCheckpoint, assertP256, type CheckpointSigner } from './checkpoint-signer.js';
import type { AuditEntry, AuditEntryInput } from './entry.js';
import { auditKeys, type AuditKeys } from './keys.js';
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
  /** HUB_ID: the `origin` of every checkpoint. */
  origin?: string;
  /** AUDIT_ARCHIVE_DIR: where segment files go and are read from. */
  archiveDir?: string;
  logger?: Logger;
  /** Most entries per append script call (default 512). */
  maxBatch?: number;
  clock?: () => Date;
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
  /** Runs before every batch is stored (see AppenderOptions.beforeAppend). */
  beforeAppend?: AppenderOptions['beforeAppend'];
}

export type AppendListener = (entries: AuditEntry[], treeSize: number) => void;

/** The file next to the archive that keeps a copy of every checkpoint, outside Redis. */
export const CHECKPOINT_LOG_FILE = 'checkpoints.jws.log';

/**
 * The append-only audit log (DESIGN.md "Audit"): entries in Redis, hashed as
 * RFC 6962 leaves, signed checkpoints, inclusion and consistency proofs, and
 * transparent reads from archive segments. Several hub processes may each
 * create one against the same Redis; they share one total order.
 */
export function createAuditLog(options: AuditLogOptions) {
  const { redis, prefix, logger } = options;
  if (options.signer) assertP256(options.signer);
  const keys: AuditKeys = auditKeys(prefix);
  const tree: TreeStore = createTreeStore(redis, keys);
  const archive: ArchiveStore | undefined = options.archiveDir ? createArchiveStore(options.archiveDir) : undefined;
  const origin = options.origin ?? 'isp-hub';
  const clock = options.clock ?? (() => new Date());
  const listeners = new Set<AppendListener>();
  const appender = createAppender({
    redis,
    keys,
    tree,
    maxBatch: options.maxBatch,
    clock,
    logger,
    readEntries: (seqs) => getEntries(seqs),
    ...(options.standAsSequencer ? { standAsSequencer: true } : {}),
    ...(options.onceSeconds ? { onceSeconds: options.onceSeconds } : {}),
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
  async function readRawEntries(seqs: number[]): Promise<Map<number, Buffer>> {
    const found = new Map<number, Buffer>();
    if (seqs.length === 0) return found;
    const bodies = await redis.hmgetBuffer(keys.entries, ...seqs.map(String));
    const missing: number[] = [];
    seqs.forEach((seq, position) => {
      const body = bodies[position];
      if (body) found.set(seq, body);
      else missing.push(seq);
    });
    if (missing.length > 0 && archive) {
      for (const [seq, body] of await archive.readEntries(missing)) found.set(seq, body);
    }
    return found;
  }

  async function getEntries(seqs: number[]): Promise<AuditEntry[]> {
    const wanted = seqs.filter((seq) => Number.isSafeInteger(seq) && seq >= 0);
    const raw = await readRawEntries([...new Set(wanted)]);
    const entries: AuditEntry[] = [];
    for (const seq of wanted) {
      const body = raw.get(seq);
      if (body) entries.push(JSON.parse(body.toString('utf8')) as AuditEntry);
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

  async function rememberCheckpointOutsideRedis(jws: string): Promise<void> {
    if (!archive) return;
    // A copy outside Redis lets `verify --full` notice a Redis that lost its tail and its checkpoints with it.
    await mkdir(archive.directory, { recursive: true, mode: 0o750 });
    const file = path.join(archive.directory, CHECKPOINT_LOG_FILE);
    await appendFile(file, `${jws}\n`, { mode: 0o640 });
    const handle = await open(file, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
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
      const treeSize = await size();
      const [latest] = await checkpointsBetween('-inf', '+inf', true);
      if (latest && latest.checkpoint.treeSize === treeSize) return latest;
      await options.afterWrites?.();
      const root = await withTree(() => tree.compute((read) => rootHash(treeSize, read)));
      const checkpoint = { origin, treeSize, rootHash: root.toString('base64'), time: clock().toISOString() };
      const jws = await signCheckpoint(options.signer, checkpoint);
      await redis.zadd(keys.checkpoints, treeSize, jws);
      await rememberCheckpointOutsideRedis(jws);
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
      if (!archive) throw new TypeError('this audit log was created without an archive directory');
      return archiveOldEntries({ redis, keys, tree, store: archive, logger }, archiveOptions);
    },
    archiveStore: archive,
    tree,
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
