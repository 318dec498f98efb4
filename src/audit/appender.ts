import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/index.js';
import type { AuditEntry, AuditEntryInput } from './entry.js';
import { auditEntryInputSchema, finalEntry } from './entry.js';
import { BatchWrites } from './batch-writes.js';
import { newEntryId } from './entry-ids.js';
import { indexKeysOf, type AuditKeys } from './keys.js';
import type { TreeStore } from './tree-store.js';
import { canonicalJson } from './verify/canonical-json.js';
import { leafHashOfText } from './verify/hashing.js';
import type { MerkleFrontier } from './verify/merkle.js';

/**
 * Group commit for audit appends.
 *
 * One total order across every hub process comes from a compare-and-set on
 * `audit:size` inside src/audit/lua/append.lua: a batch is hashed in Node
 * against the size this process last saw, and the script stores it only if
 * the log is still that size. Appends that arrive while a batch is in flight
 * go together in a later script call, so concurrent writers share round
 * trips instead of racing each other; a conflict with another process costs
 * one reload of the tree's right edge and a rebuild of the batch.
 *
 * Two batches may be in flight at once: the second is built on the tree the
 * first will leave, while Redis runs the first, so Node's hashing and Redis's
 * storing overlap instead of taking turns. The script's chain check (see
 * append.lua) refuses the second if the first was not stored; a refused
 * batch waits for every earlier batch to settle, then retries one at a time
 * on the tree as Redis holds it.
 *
 * A caller's promise resolves only after Redis has run the script, so the
 * entry is stored (and in the AOF stream) before the caller acts on it.
 */

const APPEND_SCRIPT = readFileSync(new URL('./lua/append.lua', import.meta.url), 'utf8');
const COMMAND = 'ispAuditAppend';
const RIGHT_OF_WAY_MS = 2000;
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
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

interface Pending {
  input: ParsedInput;
  /** The last entry of its append or appendMany call: a batch may end here. */
  groupEnd: boolean;
  time: Date;
  resolve: (entry: AuditEntry) => void;
  reject: (error: unknown) => void;
}

type ParsedInput = ReturnType<typeof auditEntryInputSchema.parse>;

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
  clock?: () => Date;
  logger?: Logger;
  onCommitted?: (entries: AuditEntry[], size: number) => void;
}

type AppendCommand = (numberOfKeys: number, ...args: (string | Buffer | number)[]) => Promise<[number, number]>;

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
  const clock = options.clock ?? (() => new Date());
  const run = defineAppendCommand(redis);
  const queue: Pending[] = [];
  let edge: Edge | undefined;
  let scheduled = false;
  let inFlight = 0;
  /** Batches on the one-at-a-time path: while any is, nothing is sent ahead of it. */
  let serial = 0;
  /** Settles when the most recently sent batch has settled (stored, or failed for good). */
  let tail: Promise<void> = Promise.resolve();

  function enqueue(input: ParsedInput, groupEnd: boolean): Promise<AuditEntry> {
    return new Promise<AuditEntry>((resolve, reject) => {
      queue.push({ input, groupEnd, time: clock(), resolve, reject });
      if (!scheduled) {
        scheduled = true;
        // Wait one microtask so that appends made in the same tick share a call.
        queueMicrotask(() => {
          scheduled = false;
          pump();
        });
      }
    });
  }

  /** Sends batches while fewer than MAX_IN_FLIGHT are out. */
  function pump(): void {
    while (queue.length > 0 && inFlight < MAX_IN_FLIGHT && serial === 0) {
      // Behind a batch in flight, send only enough to pay for a call; fewer wait and go together.
      if (inFlight > 0 && queue.length < MIN_SENT_AHEAD) return;
      // With nothing in flight, send half now and half right behind it, so that the two overlap.
      const take = inFlight === 0 && queue.length >= 2 * MIN_SENT_AHEAD ? Math.ceil(queue.length / 2) : queue.length;
      const batch = takeWholeGroups(Math.min(take, maxBatch));
      const earlier = tail;
      inFlight += 1;
      const settled = (edge ? sendAhead(batch, edge, earlier) : commitSerially(batch, earlier, 0))
        .then(
          (entries) => batch.forEach((pending, position) => pending.resolve(entries[position] as AuditEntry)),
          (error: unknown) => {
            edge = undefined;
            batch.forEach((pending) => pending.reject(error));
          },
        )
        .finally(() => {
          inFlight -= 1;
          pump();
        });
      tail = settled;
    }
  }

  /**
   * The first `wanted` queued entries, cut back to the end of an append or
   * appendMany call (or, when the first call alone is larger, that whole
   * call): each call's entries go in one script call, so they are stored
   * together or not at all (the AuditPort contract of src/routing).
   */
  function takeWholeGroups(wanted: number): Pending[] {
    let cut = 0;
    for (let position = 0; position < queue.length; position += 1) {
      if (!(queue[position] as Pending).groupEnd) continue;
      if (position + 1 > wanted && cut > 0) break;
      cut = position + 1;
      if (cut >= wanted) break;
    }
    return queue.splice(0, cut);
  }

  /** Builds the batch on `base` (possibly on a batch still in flight) and sends it at once. */
  async function sendAhead(batch: Pending[], base: Edge, earlier: Promise<void>): Promise<AuditEntry[]> {
    const built = buildBatch(batch, base, '');
    edge = { frontier: built.frontier, lastLeaf: built.lastLeaf };
    const [status, size] = (await run(built.keys.length, ...built.keys, ...built.args)).map(Number) as [number, number];
    if (status === 1) return committed(built, size);
    // Refused: whatever was built on this batch will be refused too. Retry in order, one at a time.
    edge = undefined;
    return status === 0 ? commitSerially(batch, earlier, 1, size) : commitSerially(batch, earlier, 0);
  }

  /** `sizeSeen`: the log size a refused first attempt reported, to continue from without asking again. */
  async function commitSerially(batch: Pending[], earlier: Promise<void>, lostAlready: number, sizeSeen?: number): Promise<AuditEntry[]> {
    serial += 1;
    const deadline = Date.now() + maxWaitMs;
    let token = '';
    let lost = lostAlready;
    try {
      await earlier;
      // An earlier batch that settled since has left a newer edge; otherwise start from the size the refusal reported.
      if (!edge && sizeSeen !== undefined) edge = { frontier: await tree.frontierAt(sizeSeen) };
      for (;;) {
        if (!edge) edge = await edgeAtStoredSize();
        const built = buildBatch(batch, edge, token);
        const [status, size] = (await run(built.keys.length, ...built.keys, ...built.args)).map(Number) as [number, number];
        if (status === 1) {
          token = ''; // the script released the right of way with the append
          edge = { frontier: built.frontier, lastLeaf: built.lastLeaf };
          return committed(built, size);
        }
        if (Date.now() > deadline) throw new HubError('UNAVAILABLE', 'the audit log is too busy to append; try again');
        if (status === 0) {
          // Another process appended first: continue from the size it left.
          edge = { frontier: await tree.frontierAt(size) };
          lost += 1;
          if (lost >= 2 && !token) token = await claimRightOfWay();
        } else {
          // Another writer has the right of way: let it append, then start again from the new size.
          edge = undefined;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    } finally {
      serial -= 1;
      if (token) await redis.eval(RELEASE_SCRIPT, 1, keys.writer, token).catch(() => undefined);
    }
  }

  function committed(built: BuiltBatch, size: number): AuditEntry[] {
    logger?.debug('audit entries appended', { event: 'audit.append', count: built.entries.length, treeSize: size });
    options.onCommitted?.(built.entries, size);
    return built.entries;
  }

  /** Takes the right of way if nobody holds it; returns its token, or '' if another writer has it. */
  async function claimRightOfWay(): Promise<string> {
    const token = randomBytes(9).toString('base64url');
    const taken = await redis.set(keys.writer, token, 'PX', RIGHT_OF_WAY_MS, 'NX');
    if (taken !== 'OK') return '';
    // Nobody can append now but us: read the right edge afresh so the next attempt cannot lose.
    edge = await edgeAtStoredSize();
    return token;
  }

  /** The right edge of the log as Redis holds it now. */
  async function edgeAtStoredSize(): Promise<Edge> {
    return { frontier: await tree.frontierAt(Number((await redis.get(keys.size)) ?? '0')) };
  }

  /**
   * Seqs, entries, canonical bytes, hashes and the script call for a batch
   * on `base`. Every build draws fresh entry ids, so no two builds share a
   * leaf: the chain check relies on that.
   */
  function buildBatch(batch: Pending[], base: Edge, token: string): BuiltBatch {
    const next = base.frontier.clone();
    const writes = new BatchWrites(keys, next.size);
    const entries: AuditEntry[] = [];
    let lastLeaf = base.lastLeaf;
    for (const pending of batch) {
      const entry = finalEntry(pending.input, next.size, newEntryId(pending.time), pending.time.toISOString());
      const body = canonicalJson(entry);
      writes.addEntry(body, pending.time.getTime(), indexKeysOf(keys, entry));
      lastLeaf = leafHashOfText(body);
      next.append(lastLeaf, (level, index, hash) => writes.addBlock(level, index, hash));
      entries.push(entry);
    }
    const call = writes.scriptCall([keys.size, keys.entries, keys.time, keys.writer], token, base.lastLeaf);
    return { ...call, frontier: next, lastLeaf, entries };
  }

  return {
    append(input: AuditEntryInput | unknown): Promise<AuditEntry> {
      let parsed: ParsedInput;
      try {
        parsed = parseAuditInput(input);
      } catch (error) {
        return Promise.reject(error);
      }
      return enqueue(parsed, true);
    },
    appendMany(inputs: (AuditEntryInput | unknown)[]): Promise<AuditEntry[]> {
      let parsed: ParsedInput[];
      try {
        parsed = inputs.map(parseAuditInput);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.all(parsed.map((input, position) => enqueue(input, position === parsed.length - 1)));
    },
    /** Forget the cached right edge (after an outside change such as a restore). */
    reset(): void {
      edge = undefined;
    },
  };
}

export type Appender = ReturnType<typeof createAppender>;

interface BuiltBatch {
  keys: string[];
  args: (string | Buffer | number)[];
  frontier: MerkleFrontier;
  lastLeaf: Buffer | undefined;
  entries: AuditEntry[];
}

function defineAppendCommand(redis: RedisClient): AppendCommand {
  const holder = redis as unknown as Record<string, AppendCommand | undefined>;
  if (!holder[COMMAND]) {
    // defineCommand loads the script with SCRIPT LOAD and calls it by EVALSHA,
    // falling back to EVAL once if Redis has forgotten it (after a restart).
    redis.defineCommand(COMMAND, { lua: APPEND_SCRIPT });
  }
  const command = holder[COMMAND];
  if (!command) throw new TypeError('the audit append script could not be defined');
  return command.bind(redis) as AppendCommand;
}
