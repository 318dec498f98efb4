import { readFileSync } from 'node:fs';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/index.js';
import type { AuditEntry, AuditEntryInput } from './entry.js';
import { auditEntryInputSchema, finalEntry } from './entry.js';
import { createAppendQueue, type AppendGroup, type QueuedBatch } from './append-queue.js';
import { BatchWrites, type Bookkeeping } from './batch-writes.js';
import { newEntryId } from './entry-ids.js';
import { indexKeysOf, type AuditKeys } from './keys.js';
import { refuseQueuedBatches } from './queue-refusal.js';
import { createSequencerLease, RENEW_EVERY_MS } from './sequencer-lease.js';
import type { TreeStore } from './tree-store.js';
import { canonicalJson } from './verify/canonical-json.js';
import { leafHashOfText } from './verify/hashing.js';
import type { MerkleFrontier } from './verify/merkle.js';

/**
 * Appends to the audit log through one sequencer, as transparency logs do
 * (Trillian, Tessera): at most one process at a time holds the sequencer
 * lease (sequencer-lease.ts) and integrates entries into the tree, in
 * batches, and signs checkpoints; every other process queues its appends in
 * a Redis stream (append-queue.ts) and is told where they went. Processes
 * therefore never race on the log's size: the Redis commands an entry costs
 * do not grow with the number of processes, and neither do retries.
 *
 * An append resolves only once its entries are integrated (stored in the
 * log, with their leaves, tree blocks and indexes, by one script call), so
 * nothing the caller does next (a delivery, an answer) comes before its
 * audit entry is stored.
 *
 * In the sequencer, group commit: appends that arrive while a batch is in
 * flight go together in a later script call. Two batches may be in flight
 * at once: the second is built on the tree the first will leave, while Redis
 * runs the first, so Node's hashing and Redis's storing overlap. The
 * script's chain check (see append.lua) refuses the second if the first was
 * not stored; a refused batch waits for every earlier batch to settle, then
 * retries one at a time on the tree as Redis holds it.
 *
 * A process that was not started as a candidate (a CLI command, a test)
 * takes the lease when nobody holds it, for as long as it has appends, and
 * gives it up when idle; a hub process stands as a candidate and keeps it.
 */

const APPEND_SCRIPT = readFileSync(new URL('./lua/append.lua', import.meta.url), 'utf8');
const MAX_IN_FLIGHT = 2;
/**
 * Each script call has a fixed cost in Node and in Redis (on the 2-core
 * machine this was measured on, ~190 us of Node CPU per round trip, mostly
 * the socket write and the stream read, against ~35 us per entry; ~50 us of
 * Redis CPU): a batch smaller than this is not sent ahead of another, as two
 * small calls cost more CPU than one twice the size, and with two cores
 * there is none to spare for the overlap to use.
 */
const MIN_SENT_AHEAD = 64;
/** Queued batches the sequencer reads from the stream at once. */
const QUEUE_READ = 256;

type ParsedInput = ReturnType<typeof auditEntryInputSchema.parse>;

/** An append or appendMany call of this process. */
interface LocalUnit {
  kind: 'local';
  group: Group;
  resolve: (entries: AuditEntry[]) => void;
  reject: (error: unknown) => void;
}

/** A batch another process queued: integrated whole, and that process told where each group went. */
interface QueuedUnit {
  kind: 'queued';
  streamId: string;
  channel: string;
  groups: Group[];
}

type Unit = LocalUnit | QueuedUnit;

interface Group extends AppendGroup {
  inputs: ParsedInput[];
  /** First seq of the copy an earlier try stored (its once-key exists): the group is not stored again. */
  earlier?: number;
  /** A queued entry that does not parse: refused, its process told so. */
  refused?: boolean;
}

/**
 * The right edge to build the next batch on. `lastLeaf` is set when the
 * edge comes from a batch this appender built (stored or still in flight),
 * and is what the next batch's chain check compares; an edge read from Redis
 * has none and needs none.
 */
interface Edge {
  frontier: MerkleFrontier;
  lastLeaf?: Buffer;
}

/** What a batch about to be stored holds, for a check before it is (AppenderOptions.beforeAppend). */
export interface BatchToAppend {
  /** The log size the batch is built on: its first entry gets this seq. */
  expectedSize: number;
  entries: readonly AuditEntry[];
}

export interface AppenderOptions {
  redis: RedisClient;
  keys: AuditKeys;
  tree: TreeStore;
  /**
   * Most entries in one script call: bounds how long one call holds Redis.
   * One appendMany call is never split (it is stored whole or not at all),
   * so a call larger than this goes alone in a call of its own size.
   */
  maxBatch?: number;
  /** Give up (UNAVAILABLE) when a batch could not be stored for this long. */
  maxWaitMs?: number;
  /** Most batches the queue for the sequencer may hold (AUDIT_QUEUE_MAX_BATCHES, default 10,000). */
  maxQueuedBatches?: number;
  /** Told of each of this process's batches the full queue refused. */
  onQueueFull?: () => void;
  /** Hub processes: keep the sequencer lease when holding it, and take it over when its holder goes away. */
  standAsSequencer?: boolean;
  /** How long a once-key keeps a retried append from being stored again (REPLAY_WINDOW_SECONDS). */
  onceSeconds?: number;
  /**
   * Runs before every batch goes to Redis, with what it holds; a throw
   * fails the batch's appends. The one place for checks that must see every
   * append before it is stored (e.g. that the log was not rolled back).
   */
  beforeAppend?: (batch: BatchToAppend) => Promise<void>;
  /**
   * Asked before this process starts queueing its appends for another
   * process's sequencer (at its first append, or after it led); a throw
   * fails them. The sequencer checks the log it builds on, but not against
   * what this process signed: a process whose log was rolled back or forked
   * must not go on appending through another that does not know it.
   */
  beforeQueueing?: () => Promise<void>;
  /** Reads stored entries by seq (for an append an earlier try stored). */
  readEntries: (seqs: number[]) => Promise<AuditEntry[]>;
  clock?: () => Date;
  logger?: Logger;
  onCommitted?: (entries: AuditEntry[], size: number) => void;
}

export interface AppendOptions {
  /**
   * Store this call's entries at most once under this key (for the replay
   * window): a retry of the same message after a failure returns the
   * entries the first try stored instead of writing them again.
   */
  once?: string;
}

type AppendCommand = (numberOfKeys: number, ...args: (string | Buffer | number)[]) => Promise<Array<number | string>>;

/** The lease was lost while a batch was on its way: another process integrates now. */
class NotSequencer extends Error {}

export function parseAuditInput(input: AuditEntryInput | unknown): ParsedInput {
  const parsed = auditEntryInputSchema.safeParse(input);
  if (!parsed.success) {
    // Paths and issue codes only: the rejected input may hold record values.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(entry)'} ${issue.code}`);
    throw new HubError('AUDIT_ENTRY_INVALID', `audit entry refused: ${problems.join('; ')}`, {
      paths: parsed.error.issues.map((issue) => issue.path.join('.')),
    });
  }
  return parsed.data;
}

export function createAppender(options: AppenderOptions) {
  const { redis, keys, tree, logger } = options;
  const maxBatch = options.maxBatch ?? 512;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const onceSeconds = options.onceSeconds ?? 7 * 24 * 3600;
  const clock = options.clock ?? (() => new Date());
  const run = defineAppendCommand(redis);
  const lease = createSequencerLease(redis, keys.sequencer);
  const appendQueue = createAppendQueue({
    redis,
    keys,
    maxWaitMs,
    maxBatches: options.maxQueuedBatches ?? 10_000,
    ...(options.onQueueFull ? { onQueueFull: options.onQueueFull } : {}),
    readEntries: options.readEntries,
    ...(logger ? { logger } : {}),
    whenUnplaced: () => {
      if (!closed && !lease.token) void lead();
    },
  });
  const queue: Unit[] = [];
  /** Stream ids of queued batches this sequencer holds in memory or has in flight. */
  const queuedIds = new Set<string>();
  let edge: Edge | undefined;
  let scheduled = false;
  let inFlight = 0;
  /** Batches on the one-at-a-time path: while any is, nothing is sent ahead of it. */
  let serial = 0;
  /** Settles when the most recently sent batch has settled (stored, or failed for good). */
  let tail: Promise<void> = Promise.resolve();
  let leading: Promise<void> | undefined;
  let nextLeadAttempt = 0;
  /** Another process held the lease when this one last tried. */
  let follower = false;
  let reading = false;
  let rereadQueue = false;
  /** The newest queued batch read (by the reader or from a script reply). */
  let readAfter = '0-0';
  let idleWaiters: Array<() => void> = [];
  let closed = false;
  let ticker: NodeJS.Timeout | undefined;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // Wait one microtask so that appends made in the same tick share a call.
    queueMicrotask(() => {
      scheduled = false;
      pump();
    });
  }

  function enqueue(inputs: ParsedInput[], appendOptions: AppendOptions): Promise<AuditEntry[]> {
    if (closed) return Promise.reject(new HubError('UNAVAILABLE', 'the audit log is closed'));
    const time = clock();
    // Ids are drawn once: a queued group keeps them across the sequencer's retries, and its process rebuilds the same entries.
    const group: Group = { inputs, ids: inputs.map(() => newEntryId(time)), times: inputs.map(() => time), ...(appendOptions.once ? { once: appendOptions.once } : {}) };
    return new Promise<AuditEntry[]>((resolve, reject) => {
      queue.push({ kind: 'local', group, resolve, reject });
      schedule();
    });
  }

  /** Sends batches while fewer than MAX_IN_FLIGHT are out; without the lease, takes it or queues for the sequencer. */
  function pump(): void {
    if (closed || queue.length === 0) return;
    if (!lease.token) {
      void lead();
      return;
    }
    while (queue.length > 0 && inFlight < MAX_IN_FLIGHT && serial === 0 && lease.token) {
      const queued = entryCount(queue);
      // Behind a batch in flight, send only enough to pay for a call; fewer wait and go together.
      if (inFlight > 0 && queued < MIN_SENT_AHEAD) return;
      // With nothing in flight, send half now and half right behind it, so that the two overlap.
      const take = inFlight === 0 && queued >= 2 * MIN_SENT_AHEAD ? Math.ceil(queued / 2) : queued;
      const batch = takeUnits(Math.min(take, maxBatch));
      const earlier = tail;
      inFlight += 1;
      const settled = (edge ? sendAhead(batch, edge, earlier) : commitSerially(batch, earlier))
        .catch((error: unknown) => {
          edge = undefined;
          failed(batch, error);
        })
        .finally(() => {
          inFlight -= 1;
          pump();
          if (inFlight === 0 && queue.length === 0) wakeIdle();
        });
      tail = settled;
    }
  }

  function wakeIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((wake) => wake());
  }

  /** Resolves when nothing is queued or in flight (or the lease is gone). */
  function idle(): Promise<void> {
    if ((inFlight === 0 && queue.length === 0) || !lease.token) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  /** Queued batches read from the stream (by the reader or in a script reply), each taken once. */
  function takeQueued(pairs: Array<[streamId: string, batch: string]>): void {
    for (const [streamId, text] of pairs) {
      if (compareStreamIds(streamId, readAfter) > 0) readAfter = streamId;
      if (queuedIds.has(streamId)) continue;
      queuedIds.add(streamId);
      queue.push(parseQueued(streamId, text));
    }
  }

  /** The first units holding about `wanted` entries (at least one unit: a unit is never split). */
  function takeUnits(wanted: number): Unit[] {
    let count = 0;
    let cut = 0;
    while (cut < queue.length) {
      const size = unitEntries(queue[cut] as Unit);
      if (cut > 0 && count + size > wanted) break;
      count += size;
      cut += 1;
      if (count >= wanted) break;
    }
    return queue.splice(0, cut);
  }

  /** Without the lease: take it if free (and it is time to try), or queue this process's appends for the sequencer. */
  function lead(): Promise<void> {
    leading ??= (async () => {
      try {
        if (Date.now() >= nextLeadAttempt) {
          if (await lease.tryTake()) {
            becameSequencer();
            return;
          }
          // Only a failed attempt waits a renewal before the next: a skipped one must not push it back.
          nextLeadAttempt = Date.now() + RENEW_EVERY_MS;
        }
        if (!follower) await options.beforeQueueing?.();
        follower = true;
        await forwardLocal();
      } catch (error) {
        // Redis refused even the lease or the queue: fail what is waiting rather than hang.
        const units = queue.splice(0).filter((unit): unit is LocalUnit => unit.kind === 'local');
        units.forEach((unit) => unit.reject(error));
      }
    })().finally(() => {
      leading = undefined;
      if (queue.length > 0) schedule();
    });
    return leading;
  }

  async function forwardLocal(): Promise<void> {
    const units = queue.splice(0).filter((unit): unit is LocalUnit => unit.kind === 'local');
    if (units.length === 0) return;
    await appendQueue.enqueue(units.map((unit) => ({ group: unit.group, resolve: unit.resolve, reject: unit.reject }))).catch((error: unknown) => {
      units.forEach((unit) => unit.reject(error));
    });
  }

  function becameSequencer(): void {
    follower = false;
    edge = undefined;
    // Whatever is still queued was not integrated, however old: read the queue from its start.
    readAfter = '0-0';
    logger?.info('audit sequencer lease taken', { event: 'audit.sequencer' });
    startTicking();
    readQueue().catch((error: unknown) => logger?.error('audit queue reader stopped', { event: 'audit.queue-reader-failed', error }));
  }

  /** The lease is gone: queued batches are left for the next sequencer, this process's own appends are queued for it. */
  function stepDown(): void {
    lease.lost();
    wakeIdle();
    edge = undefined;
    for (let position = queue.length - 1; position >= 0; position -= 1) {
      if ((queue[position] as Unit).kind === 'queued') queue.splice(position, 1);
    }
    queuedIds.clear();
    logger?.warn('audit sequencer lease lost', { event: 'audit.sequencer-lost' });
  }

  /** Renews the lease; a candidate takes it when free; a non-candidate gives it up when idle. */
  function startTicking(): void {
    if (ticker) return;
    ticker = setInterval(() => void tick(), RENEW_EVERY_MS);
    ticker.unref();
  }

  async function tick(): Promise<void> {
    try {
      if (lease.token) {
        if (!options.standAsSequencer && queue.length === 0 && inFlight === 0) {
          await lease.release();
          stopTicking();
          return;
        }
        if (!(await lease.renew())) stepDown();
      } else if (options.standAsSequencer && !leading && (await lease.tryTake())) {
        becameSequencer();
      }
    } catch (error) {
      logger?.warn('audit sequencer lease could not be renewed', { event: 'audit.sequencer-renew-failed', error });
    }
    if (queue.length > 0) schedule();
  }

  function stopTicking(): void {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  }

  /**
   * While sequencer and idle: waits for what other processes queue (a
   * blocking XREAD on a connection of its own). While busy, each script call
   * returns what was queued meanwhile, so under load the queue costs no
   * reads of its own.
   */
  async function readQueue(): Promise<void> {
    if (reading) return;
    reading = true;
    let connection: RedisClient | undefined;
    try {
      connection = redis.duplicate();
      connection.on('error', () => undefined);
      while (lease.token && !closed) {
        await idle();
        if (!lease.token || closed) break;
        if (rereadQueue) {
          readAfter = '0-0';
          rereadQueue = false;
        }
        let reply: Array<[string, Array<[string, string[]]>]> | null;
        try {
          reply = (await connection.xread('COUNT', QUEUE_READ, 'BLOCK', 250, 'STREAMS', keys.queue, readAfter)) as typeof reply;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        if (!reply || !lease.token) continue;
        for (const [, messages] of reply) takeQueued(messages.map(([streamId, fields]) => [streamId, fields[fields.indexOf('b') + 1] ?? '']));
        pump();
      }
    } finally {
      reading = false;
      connection?.disconnect();
    }
  }

  /** Builds the batch on `base` (possibly on a batch still in flight) and sends it at once. */
  async function sendAhead(batch: Unit[], base: Edge, earlier: Promise<void>): Promise<void> {
    const built = buildBatch(batch, base);
    edge = { frontier: built.frontier, lastLeaf: built.lastLeaf };
    const reply = await store(built);
    const [status, size] = reply.map(Number) as [number, number];
    if (status === 1) return committed(batch, built, size, reply);
    if (status === 2) throw new NotSequencer();
    // Refused: whatever was built on this batch will be refused too. Retry in order, one at a time.
    edge = undefined;
    return commitSerially(batch, earlier);
  }

  async function commitSerially(batch: Unit[], earlier: Promise<void>): Promise<void> {
    serial += 1;
    const deadline = Date.now() + maxWaitMs;
    try {
      await earlier;
      let units = batch;
      for (;;) {
        if (units.length === 0) return;
        if (!edge) edge = await edgeAtStoredSize();
        const built = buildBatch(units, edge);
        const reply = await store(built);
        const [status, size, ...positions] = reply.map(Number) as number[];
        if (status === 1) {
          edge = { frontier: built.frontier, lastLeaf: built.lastLeaf };
          return committed(units, built, size as number, reply);
        }
        if (status === 2) throw new NotSequencer();
        if (Date.now() > deadline) throw new HubError('UNAVAILABLE', 'the audit log could not be appended to in time; try again');
        edge = status === 0 ? { frontier: await tree.frontierAt(size as number) } : edge;
        if (status === 3) units = await leaveOutStoredBefore(units, positions.map((position) => built.onceOwners[position] as Group));
        if (status === 4) units = leaveOutIntegrated(units, positions.map((position) => built.queuedOwners[position] as QueuedUnit));
      }
    } finally {
      serial -= 1;
    }
  }

  /** Groups whose once-key exists were stored by an earlier try: local ones get those entries now, queued ones are told. */
  async function leaveOutStoredBefore(units: Unit[], groups: Group[]): Promise<Unit[]> {
    for (const group of groups) {
      const stored = await redis.get(keys.once(group.once as string));
      if (stored) group.earlier = Number(stored.split(':')[0]);
    }
    const kept: Unit[] = [];
    for (const unit of units) {
      if (unit.kind === 'local' && unit.group.earlier !== undefined) {
        const first = unit.group.earlier;
        options.readEntries(unit.group.inputs.map((_, offset) => first + offset)).then(unit.resolve, unit.reject);
      } else {
        kept.push(unit);
      }
    }
    return kept;
  }

  /** Queued batches another sequencer already integrated (and told their process about). */
  function leaveOutIntegrated(units: Unit[], gone: QueuedUnit[]): Unit[] {
    for (const unit of gone) queuedIds.delete(unit.streamId);
    return units.filter((unit) => !gone.includes(unit as QueuedUnit));
  }

  /** The one place a built batch goes to Redis: every check that must precede an append runs here. */
  async function store(built: BuiltBatch): Promise<Array<number | string>> {
    if (!lease.token) throw new NotSequencer();
    await options.beforeAppend?.({ expectedSize: built.expectedSize, entries: built.entries });
    return run(built.keys.length, ...built.keys, ...built.args);
  }

  /** `reply`: the script's, after status and size the batches queued since (see append.lua). */
  function committed(units: Unit[], built: BuiltBatch, size: number, reply: Array<number | string>): void {
    for (const unit of units) {
      if (unit.kind === 'local') unit.resolve(built.byUnit.get(unit) ?? []);
      else queuedIds.delete(unit.streamId);
    }
    const next: Array<[string, string]> = [];
    for (let position = 2; position + 1 < reply.length; position += 2) next.push([String(reply[position]), String(reply[position + 1])]);
    takeQueued(next);
    logger?.debug('audit entries appended', { event: 'audit.append', count: built.entries.length, treeSize: size });
    if (built.entries.length > 0) options.onCommitted?.(built.entries, size);
  }

  function failed(units: Unit[], error: unknown): void {
    if (error instanceof NotSequencer) {
      // Not stored: this process's appends go back to the front and are queued for the new sequencer.
      queue.unshift(...units.filter((unit) => unit.kind === 'local'));
      stepDown();
      return;
    }
    for (const unit of units) {
      if (unit.kind === 'local') unit.reject(error);
      else queuedIds.delete(unit.streamId);
    }
    if (isHalt(error)) {
      // For good: the batches other processes queued fail now, with this reason, rather than wait for a time-out.
      refuseQueued(units.filter((unit): unit is QueuedUnit => unit.kind === 'queued'), error);
      return;
    }
    // Queued batches stay in the stream: read it again from the start.
    rereadQueue = true;
  }

  function refuseQueued(units: QueuedUnit[], error: HubError): void {
    const token = lease.token;
    // Without the lease, the batches are the next sequencer's to integrate or refuse.
    if (!token || units.length === 0) return;
    const refusal = { code: error.code, message: error.message, ...(error.details ? { details: { ...error.details } } : {}) };
    refuseQueuedBatches(redis, keys, token, units, refusal, placedSeconds()).catch((failure: unknown) => {
      logger?.error('queued audit batches could not be refused', { event: 'audit.queue-refuse-failed', error: failure });
      rereadQueue = true;
    });
  }

  /** How long a placement is kept: long past the time a waiting process gives up. */
  function placedSeconds(): number {
    return Math.ceil(maxWaitMs / 1000) * 6;
  }

  /** The right edge of the log as Redis holds it now. */
  async function edgeAtStoredSize(): Promise<Edge> {
    return { frontier: await tree.frontierAt(Number((await redis.get(keys.size)) ?? '0')) };
  }

  /**
   * Seqs, entries, canonical bytes, hashes and the script call for a batch
   * on `base`. Entry ids are unique, so no two different entries share a
   * leaf: the chain check relies on that.
   */
  function buildBatch(units: Unit[], base: Edge): BuiltBatch {
    const next = base.frontier.clone();
    const writes = new BatchWrites(keys, next.size);
    const entries: AuditEntry[] = [];
    const byUnit = new Map<Unit, AuditEntry[]>();
    const bookkeeping: Bookkeeping = { once: [], queued: [], onceSeconds, placedSeconds: placedSeconds(), readAfter };
    const onceOwners: Group[] = [];
    const queuedOwners: QueuedUnit[] = [];
    let lastLeaf = base.lastLeaf;

    const appendGroup = (group: Group): AuditEntry[] => {
      const first = next.size;
      const appended = group.inputs.map((input, offset) => {
        const time = group.times[offset] as Date;
        const entry = finalEntry(input, next.size, group.ids[offset] as string, time.toISOString());
        const body = canonicalJson(entry);
        writes.addEntry(body, time.getTime(), indexKeysOf(keys, entry));
        lastLeaf = leafHashOfText(body);
        next.append(lastLeaf, (level, index, hash) => writes.addBlock(level, index, hash));
        entries.push(entry);
        return entry;
      });
      if (group.once) {
        bookkeeping.once.push({ key: keys.once(group.once), value: `${first}:${group.inputs.length}` });
        onceOwners.push(group);
      }
      return appended;
    };

    for (const unit of units) {
      if (unit.kind === 'local') {
        byUnit.set(unit, appendGroup(unit.group));
        continue;
      }
      const placement = unit.groups.map((group): [number, 0 | 1 | -1] => {
        if (group.refused) return [-1, -1];
        if (group.earlier !== undefined) return [group.earlier, 1];
        const first = next.size;
        appendGroup(group);
        return [first, 0];
      });
      bookkeeping.queued.push({ streamId: unit.streamId, placedKey: keys.placed(unit.streamId), placement: JSON.stringify({ s: unit.streamId, g: placement }), channel: unit.channel });
      queuedOwners.push(unit);
    }
    const call = writes.scriptCall({ size: keys.size, entries: keys.entries, time: keys.time, sequencer: keys.sequencer, queue: keys.queue }, lease.token ?? '', base.lastLeaf, bookkeeping);
    return { ...call, expectedSize: base.frontier.size, frontier: next, lastLeaf, entries, byUnit, onceOwners, queuedOwners };
  }

  function parseQueued(streamId: string, text: string): QueuedUnit {
    let batch: QueuedBatch = { c: '', g: [] };
    try {
      batch = JSON.parse(text) as QueuedBatch;
    } catch {
      logger?.error('a queued audit batch is not JSON', { event: 'audit.queue-invalid', streamId });
    }
    const groups = batch.g.map((queuedGroup): Group => {
      try {
        return {
          inputs: queuedGroup.e.map(([input]) => parseAuditInput(input)),
          ids: queuedGroup.e.map(([, id]) => String(id)),
          times: queuedGroup.e.map(([, , time]) => new Date(time)),
          ...(queuedGroup.o ? { once: String(queuedGroup.o) } : {}),
        };
      } catch {
        return { inputs: [], ids: [], times: [], refused: true };
      }
    });
    return { kind: 'queued', streamId, channel: String(batch.c), groups };
  }

  return {
    append(input: AuditEntryInput | unknown, appendOptions: AppendOptions = {}): Promise<AuditEntry> {
      let parsed: ParsedInput;
      try {
        parsed = parseAuditInput(input);
      } catch (error) {
        return Promise.reject(error);
      }
      return enqueue([parsed], appendOptions).then((entries) => entries[0] as AuditEntry);
    },
    appendMany(inputs: (AuditEntryInput | unknown)[], appendOptions: AppendOptions = {}): Promise<AuditEntry[]> {
      let parsed: ParsedInput[];
      try {
        parsed = inputs.map(parseAuditInput);
      } catch (error) {
        return Promise.reject(error);
      }
      if (parsed.length === 0) return Promise.resolve([]);
      return enqueue(parsed, appendOptions);
    },
    /** Forget the cached right edge (after an outside change such as a restore). */
    reset(): void {
      edge = undefined;
    },
    /** Starts standing as sequencer candidate (hub processes). */
    start(): void {
      if (!options.standAsSequencer || closed) return;
      startTicking();
      void tick();
    },
    /** Another process held the sequencer lease when this one last tried: it integrates and signs. */
    isFollower(): boolean {
      return follower && !lease.token;
    },
    /** Waits for batches in flight, gives the lease up and stops; appends still waiting fail with UNAVAILABLE. */
    async close(): Promise<void> {
      closed = true;
      stopTicking();
      await tail.catch(() => undefined);
      const error = new HubError('UNAVAILABLE', 'the audit log is closing');
      for (const unit of queue.splice(0)) if (unit.kind === 'local') unit.reject(error);
      await appendQueue.close();
      await lease.release();
    },
  };
}

export type Appender = ReturnType<typeof createAppender>;

interface BuiltBatch {
  keys: string[];
  args: (string | Buffer | number)[];
  expectedSize: number;
  frontier: MerkleFrontier;
  lastLeaf: Buffer | undefined;
  entries: AuditEntry[];
  byUnit: Map<Unit, AuditEntry[]>;
  /** The group of each once-key, in script order (for status 3's positions). */
  onceOwners: Group[];
  /** The queued unit of each placement, in script order (for status 4's positions). */
  queuedOwners: QueuedUnit[];
}

/** Stream ids are "<ms>-<n>": compared as number pairs. */
function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs !== bMs ? aMs - bMs : aSeq - bSeq;
}

/** The log does not extend its last signed checkpoint (rollback-guard.ts): nothing will be integrated until an operator recovers it. */
function isHalt(error: unknown): error is HubError {
  return error instanceof HubError && error.code === 'AUDIT_LOG_INCONSISTENT';
}

function unitEntries(unit: Unit): number {
  return unit.kind === 'local' ? unit.group.inputs.length : unit.groups.reduce((sum, group) => sum + group.inputs.length, 0);
}

function entryCount(units: Unit[]): number {
  let count = 0;
  for (const unit of units) count += unitEntries(unit);
  return count;
}

const APPEND_SCRIPT_NAME = 'ispAuditIntegrate';

function defineAppendCommand(redis: RedisClient): AppendCommand {
  const holder = redis as unknown as Record<string, AppendCommand | undefined>;
  if (!holder[APPEND_SCRIPT_NAME]) {
    // defineCommand loads the script with SCRIPT LOAD and calls it by EVALSHA,
    // falling back to EVAL once if Redis has forgotten it (after a restart).
    redis.defineCommand(APPEND_SCRIPT_NAME, { lua: APPEND_SCRIPT });
  }
  const command = holder[APPEND_SCRIPT_NAME];
  if (!command) throw new TypeError('the audit append script could not be defined');
  return command.bind(redis) as AppendCommand;
}
