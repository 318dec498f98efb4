import { appendFile, mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/index.js';
import type { AuditKeys } from './keys.js';
import type { SharedStore } from './shared-store.js';
import type { TreeStore } from './tree-store.js';
import { readCheckpointUnverified, type Checkpoint } from './verify/checkpoint.js';
import { consistencyPath, consistencyPathHolds, MissingBlockError, rootHash } from './verify/merkle.js';

/**
 * A log must never sign two views that do not extend one another
 * (RFC 9162 s.1.1). Redis can lose its tail (a replica promoted before it
 * caught up, a restore, a hand-edited `audit:size`); an appender that simply
 * went on from the size Redis holds would overwrite signed entries and sign
 * a fork.
 *
 * The guard keeps the last signed checkpoint outside Redis, in the shared
 * store's checkpoint log (every process sees every process's checkpoints),
 * and in memory. Before the appender builds on the log as Redis holds it,
 * and before a checkpoint is signed, it checks that the stored tree extends
 * that checkpoint: the size is not smaller, the first `treeSize` leaves still
 * have the signed root, and the consistency proof from it to the stored size
 * holds. If not, the guard halts for good (until an operator has recovered
 * the log and restarted the process, docs/operations.md): every later append
 * and signature is refused with AUDIT_LOG_INCONSISTENT.
 */

/** The file in the shared store that keeps a copy of every checkpoint, outside Redis. */
export const CHECKPOINT_LOG_FILE = 'checkpoints.jws.log';
/** How much of the checkpoint log's end is read to find the newest checkpoint: many lines of ~400 bytes. */
const TAIL_BYTES = 64 * 1024;

export type HaltKind = 'rollback' | 'fork';

export interface HaltReport {
  kind: HaltKind;
  /** The size of the last checkpoint the hub signed. */
  signedSize: number;
  /** The size Redis holds. */
  storedSize: number;
  at: string;
}

export interface RollbackGuardOptions {
  redis: RedisClient;
  keys: AuditKeys;
  tree: TreeStore;
  /** The shared store; without one the last checkpoint is kept in memory only. */
  store?: SharedStore;
  logger?: Logger;
  /** Called once, when the guard halts (the metric and health check hang here). */
  onHalt?: (report: HaltReport) => void;
}

export function createRollbackGuard(options: RollbackGuardOptions) {
  const { redis, keys, tree, store, logger } = options;
  const checkpointLog = store ? path.join(store.directory, CHECKPOINT_LOG_FILE) : undefined;
  let latest: Checkpoint | undefined;
  let fileStamp = '';
  let halt: HaltReport | undefined;
  let seenRedis = false;

  function learn(checkpoint: Checkpoint): void {
    if (!latest || checkpoint.treeSize > latest.treeSize) latest = checkpoint;
  }

  /**
   * Newer checkpoints other processes signed, from the end of the checkpoint
   * log. Their signatures are not checked here: a forged line can only make
   * the hub halt (fail closed), never make it sign.
   */
  async function refreshFromStore(): Promise<void> {
    if (!checkpointLog) return;
    let info;
    try {
      info = await stat(checkpointLog);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const stamp = `${info.size}:${info.mtimeMs}:${info.ino}`;
    if (stamp === fileStamp) return;
    const start = Math.max(0, info.size - TAIL_BYTES);
    const handle = await open(checkpointLog, 'r');
    try {
      const buffer = Buffer.alloc(info.size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const lines = buffer.toString('utf8').split('\n');
      // The first line of a partial read may be cut; the last is empty or being written.
      for (const line of lines.slice(start > 0 ? 1 : 0)) {
        if (!line.trim()) continue;
        try {
          learn(readCheckpointUnverified(line.trim()));
        } catch {
          // A torn line (a crash mid-append) is skipped; full verification reports it.
        }
      }
    } finally {
      await handle.close();
    }
    fileStamp = stamp;
  }

  function haltLog(kind: HaltKind, signedSize: number, storedSize: number): HubError {
    if (!halt) {
      halt = { kind, signedSize, storedSize, at: new Date().toISOString() };
      // One line, at the highest level the logger has: the operator must act (docs/operations.md).
      logger?.error(
        kind === 'rollback'
          ? `CRITICAL audit log rolled back: Redis holds ${storedSize} entries but checkpoint ${signedSize} was signed; appends and signing stopped`
          : `CRITICAL audit log forked: the stored log of ${storedSize} entries does not extend signed checkpoint ${signedSize}; appends and signing stopped`,
        { event: 'audit.halted', severity: 'critical', kind, signedSize, storedSize },
      );
      options.onHalt?.(halt);
    }
    return halted(halt);
  }

  function halted(report: HaltReport): HubError {
    return new HubError('AUDIT_LOG_INCONSISTENT', 'the audit log does not extend its last signed checkpoint; the hub has stopped taking messages until an operator recovers it', {
      kind: report.kind,
      signedSize: report.signedSize,
      storedSize: report.storedSize,
    });
  }

  return {
    /** Throws AUDIT_LOG_INCONSISTENT (halting the guard) unless the stored log extends the last signed checkpoint. */
    async assertExtends(): Promise<void> {
      if (halt) throw halted(halt);
      await refreshFromStore();
      if (!seenRedis) {
        // Without a shared store, a process that has just started knows only what Redis still holds.
        const [newest] = await redis.zrevrange(keys.checkpoints, 0, 0);
        if (newest) learn(readCheckpointUnverified(newest));
        seenRedis = true;
      }
      const signed = latest;
      if (!signed || signed.treeSize === 0) return;
      const storedSize = Number((await redis.get(keys.size)) ?? '0');
      if (storedSize < signed.treeSize) throw haltLog('rollback', signed.treeSize, storedSize);
      let holds: boolean;
      try {
        // The computation reads every block whatever their values (tree.computeAt fetches in one round trip).
        const found = await tree.computeAt(
          storedSize,
          (read) => ({
            oldRoot: rootHash(signed.treeSize, read),
            newRoot: rootHash(storedSize, read),
            path: storedSize > signed.treeSize ? consistencyPath(signed.treeSize, storedSize, read) : [],
          }),
          () => haltLog('rollback', signed.treeSize, storedSize),
        );
        const signedRoot = Buffer.from(signed.rootHash, 'base64');
        holds =
          found.oldRoot.equals(signedRoot) &&
          (storedSize === signed.treeSize || consistencyPathHolds(signed.treeSize, storedSize, signedRoot, found.newRoot, found.path));
      } catch (error) {
        // Blocks of the signed tree gone from Redis: it cannot extend what was signed.
        if (error instanceof MissingBlockError) throw haltLog('fork', signed.treeSize, storedSize);
        throw error;
      }
      if (!holds) throw haltLog('fork', signed.treeSize, storedSize);
    },

    /**
     * Records a checkpoint just signed: durably in the shared store's
     * checkpoint log first (so a Redis that loses it cannot hide it), then in
     * memory. The caller stores it in Redis after this.
     */
    async record(jws: string): Promise<void> {
      if (halt) throw halted(halt);
      const checkpoint = readCheckpointUnverified(jws);
      if (checkpointLog && store) {
        await store.assertShared();
        await mkdir(store.directory, { recursive: true, mode: 0o750 });
        await appendFile(checkpointLog, `${jws}\n`, { mode: 0o640 });
        const handle = await open(checkpointLog, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      learn(checkpoint);
    },

    /** Why the guard stopped the log, or undefined while it has not. */
    halted(): HaltReport | undefined {
      return halt ? { ...halt } : undefined;
    },
    /** The last signed checkpoint the guard holds (from this process or the shared store). */
    lastSigned(): Checkpoint | undefined {
      return latest ? { ...latest } : undefined;
    },
  };
}

export type RollbackGuard = ReturnType<typeof createRollbackGuard>;
