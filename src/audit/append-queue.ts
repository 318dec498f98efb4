import { randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/index.js';
import type { AuditEntry } from './entry.js';
import { finalEntry } from './entry.js';
import type { AuditKeys } from './keys.js';
import { admitBatch } from './queue-admission.js';
import type { Refusal } from './queue-refusal.js';

/**
 * The front end's side of sequencing: a process that is not the sequencer
 * queues its appends in a Redis stream (one XADD per batch, durable as any
 * write) and waits for the sequencer to integrate them. The sequencer tells
 * it where each append went on a channel of this process alone (so a
 * notice costs one message, however many processes run), and keeps the same
 * placement under a key a while, which this process reads if it missed the
 * notice (a reconnect drops pub/sub messages).
 */

/** One append or appendMany call: stored together or not at all. */
export interface AppendGroup {
  inputs: unknown[];
  ids: string[];
  times: Date[];
  /** Set: the group is stored at most once under this key (see AppendOptions.once). */
  once?: string;
}

/** A queued batch as the stream holds it (field `b`): the channel to answer on and the groups. */
export interface QueuedBatch {
  c: string;
  g: Array<{ o?: string; e: Array<[input: unknown, id: string, time: string]> }>;
}

/** Where each group of a queued batch went: its first seq, and 1 when it was stored before (by an earlier try) or -1 when refused. */
export interface Placement {
  s: string;
  g: Array<[firstSeq: number, earlier: 0 | 1 | -1]>;
  /** Set: the sequencer refused the whole batch for good (its log halted, queue-refusal.ts). */
  x?: Refusal;
}

interface Waiting {
  groups: Array<{ group: AppendGroup; resolve: (entries: AuditEntry[]) => void; reject: (error: unknown) => void }>;
  since: number;
}

export interface AppendQueueOptions {
  redis: RedisClient;
  keys: AuditKeys;
  /** Give up (UNAVAILABLE) when no sequencer integrated a batch for this long; a retry with a once-key is then safe. */
  maxWaitMs: number;
  /** Most batches the stream may hold (AUDIT_QUEUE_MAX_BATCHES); past it a batch is refused, see queue-admission.ts. */
  maxBatches: number;
  /** Told of each batch the full queue refused (for the operator's metrics). */
  onQueueFull?: () => void;
  /** Reads stored entries (for a group an earlier try stored). */
  readEntries: (seqs: number[]) => Promise<AuditEntry[]>;
  logger?: Logger;
  /**
   * Called while a batch waits longer than a notice takes: the sequencer may
   * have gone (crashed, or given the lease up before reading the batch) with
   * no candidate to take over, and this process may then take the lease and
   * integrate the queue itself.
   */
  whenUnplaced?: () => void;
}

const POLL_AFTER_MS = 500;

export function createAppendQueue(options: AppendQueueOptions) {
  const { redis, keys } = options;
  const channel = `${keys.queue}:done:${randomBytes(9).toString('base64url')}`;
  const waiting = new Map<string, Waiting>();
  let subscriber: RedisClient | undefined;
  let subscribed: Promise<void> | undefined;
  let poller: NodeJS.Timeout | undefined;

  function subscribe(): Promise<void> {
    subscribed ??= (async () => {
      const connection = redis.duplicate();
      subscriber = connection;
      connection.on('message', (_channel: string, text: string) => void settle(text));
      await connection.subscribe(channel);
    })();
    return subscribed;
  }

  async function settle(text: string): Promise<void> {
    let placement: Placement;
    try {
      placement = JSON.parse(text) as Placement;
    } catch {
      return;
    }
    const batch = waiting.get(placement.s);
    if (!batch) return;
    waiting.delete(placement.s);
    if (placement.x) {
      const error = refusalError(placement.x);
      batch.groups.forEach(({ reject }) => reject(error));
      if (waiting.size === 0) stopPolling();
      return;
    }
    batch.groups.forEach(({ group, resolve, reject }, position) => {
      const [firstSeq, earlier] = placement.g[position] ?? [-1, -1];
      if (earlier === -1) return reject(new HubError('AUDIT_ENTRY_INVALID', 'the sequencer refused a queued audit entry'));
      if (earlier === 1) {
        options.readEntries(group.inputs.map((_, offset) => firstSeq + offset)).then(resolve, reject);
        return;
      }
      resolve(group.inputs.map((input, offset) => finalEntry(input as never, firstSeq + offset, group.ids[offset] as string, (group.times[offset] as Date).toISOString())));
    });
    if (waiting.size === 0) stopPolling();
  }

  /** For batches waiting longer than a notice takes: read their placement, or give up after maxWaitMs. */
  async function poll(): Promise<void> {
    const now = Date.now();
    let unplaced = false;
    for (const [streamId, batch] of waiting) {
      if (now - batch.since < POLL_AFTER_MS) continue;
      const placed = await redis.get(keys.placed(streamId)).catch(() => null);
      if (placed) {
        await settle(placed);
        continue;
      }
      unplaced = true;
      if (now - batch.since > options.maxWaitMs) {
        waiting.delete(streamId);
        const error = new HubError('UNAVAILABLE', 'no audit sequencer integrated the entries in time; try again');
        batch.groups.forEach(({ reject }) => reject(error));
      }
    }
    if (unplaced && waiting.size > 0) options.whenUnplaced?.();
  }

  /** Queues the batch, or refuses it when the queue is full: logged and counted, the operator's sign of a sequencer that does not integrate. */
  async function admit(batch: QueuedBatch): Promise<string> {
    try {
      return await admitBatch(redis, keys, options.maxBatches, JSON.stringify(batch));
    } catch (error) {
      if (error instanceof HubError) {
        options.logger?.warn('audit queue full: batch refused', { event: 'audit.queue-full', ...error.details });
        options.onQueueFull?.();
      }
      throw error;
    }
  }

  function startPolling(): void {
    if (poller) return;
    poller = setInterval(() => void poll(), 250);
    poller.unref();
  }

  function stopPolling(): void {
    if (poller) clearInterval(poller);
    poller = undefined;
  }

  return {
    channel,
    /** Queues the groups as one stream entry; each promise settles once the sequencer has integrated its group. */
    async enqueue(groups: Waiting['groups']): Promise<void> {
      await subscribe();
      const batch: QueuedBatch = {
        c: channel,
        g: groups.map(({ group }) => ({
          ...(group.once ? { o: group.once } : {}),
          e: group.inputs.map((input, offset) => [input, group.ids[offset] as string, (group.times[offset] as Date).toISOString()]),
        })),
      };
      const streamId = await admit(batch);
      waiting.set(streamId, { groups, since: Date.now() });
      startPolling();
    },
    get waiting(): number {
      return waiting.size;
    },
    async close(): Promise<void> {
      stopPolling();
      const error = new HubError('UNAVAILABLE', 'the audit log is closing');
      for (const batch of waiting.values()) batch.groups.forEach(({ reject }) => reject(error));
      waiting.clear();
      if (subscriber) subscriber.disconnect();
    },
  };
}

export type AppendQueue = ReturnType<typeof createAppendQueue>;

/**
 * The error a refused batch's appends fail with. Only a halt is passed on
 * under its own code: it is the one refusal a sequencer sends, and a notice
 * naming another code is not one this hub wrote.
 */
function refusalError(refusal: Refusal): HubError {
  if (refusal.code !== 'AUDIT_LOG_INCONSISTENT') return new HubError('UNAVAILABLE', 'the audit sequencer refused the entries; try again');
  return new HubError('AUDIT_LOG_INCONSISTENT', String(refusal.message), refusal.details);
}
