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
 * wait and go together in the next script call, so concurrent writers share
 * round trips instead of racing each other; a conflict with another process
 * costs one reload of the tree's right edge and a rebuild of the batch.
 *
 * A caller's promise resolves only after Redis has run the script, so the
 * entry is stored (and in the AOF stream) before the caller acts on it.
 */

const APPEND_SCRIPT = readFileSync(new URL('./lua/append.lua', import.meta.url), 'utf8');
const COMMAND = 'ispAuditAppend';
const RIGHT_OF_WAY_MS = 2000;
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

interface Pending {
  input: ParsedInput;
  id: string;
  time: Date;
  resolve: (entry: AuditEntry) => void;
  reject: (error: unknown) => void;
}

type ParsedInput = ReturnType<typeof auditEntryInputSchema.parse>;

export interface AppenderOptions {
  redis: RedisClient;
  keys: AuditKeys;
  tree: TreeStore;
  /** Most entries in one script call: bounds how long one call holds Redis. */
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
  let frontier: MerkleFrontier | undefined;
  let flushing = false;

  function enqueue(input: ParsedInput): Promise<AuditEntry> {
    return new Promise<AuditEntry>((resolve, reject) => {
      const time = clock();
      queue.push({ input, id: newEntryId(time), time, resolve, reject });
      if (!flushing) {
        flushing = true;
        // Wait one microtask so that appends made in the same tick share the first call.
        queueMicrotask(() => void flush());
      }
    });
  }

  async function flush(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        try {
          const entries = await commit(batch);
          batch.forEach((pending, position) => pending.resolve(entries[position] as AuditEntry));
        } catch (error) {
          frontier = undefined;
          batch.forEach((pending) => pending.reject(error));
        }
      }
    } finally {
      flushing = false;
    }
  }

  async function commit(batch: Pending[]): Promise<AuditEntry[]> {
    const deadline = Date.now() + maxWaitMs;
    let token = '';
    let lost = 0;
    try {
      for (;;) {
        if (!frontier) frontier = await tree.frontierAt(Number((await redis.get(keys.size)) ?? '0'));
        const built = buildBatch(batch, frontier, token);
        const [status, size] = (await run(built.keys.length, ...built.keys, ...built.args)).map(Number) as [number, number];
        if (status === 1) {
          token = ''; // the script released the right of way with the append
          frontier = built.frontier;
          logger?.debug('audit entries appended', { event: 'audit.append', count: batch.length, treeSize: size });
          options.onCommitted?.(built.entries, size);
          return built.entries;
        }
        if (Date.now() > deadline) throw new HubError('UNAVAILABLE', 'the audit log is too busy to append; try again');
        if (status === 0) {
          // Another process appended first: continue from the size it left.
          frontier = await tree.frontierAt(size);
          lost += 1;
          if (lost >= 2 && !token) token = await claimRightOfWay();
        } else {
          // Another writer has the right of way: let it append, then start again from the new size.
          frontier = undefined;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    } finally {
      if (token) await redis.eval(RELEASE_SCRIPT, 1, keys.writer, token).catch(() => undefined);
    }
  }

  /** Takes the right of way if nobody holds it; returns its token, or '' if another writer has it. */
  async function claimRightOfWay(): Promise<string> {
    const token = randomBytes(9).toString('base64url');
    const taken = await redis.set(keys.writer, token, 'PX', RIGHT_OF_WAY_MS, 'NX');
    if (taken !== 'OK') return '';
    // Nobody can append now but us: read the right edge afresh so the next attempt cannot lose.
    frontier = await tree.frontierAt(Number((await redis.get(keys.size)) ?? '0'));
    return token;
  }

  function buildBatch(batch: Pending[], base: MerkleFrontier, token: string) {
    const next = base.clone();
    const writes = new BatchWrites(keys, base.size);
    const entries: AuditEntry[] = [];
    for (const pending of batch) {
      const entry = finalEntry(pending.input, next.size, pending.id, pending.time.toISOString());
      const body = canonicalJson(entry);
      writes.addEntry(body, pending.time.getTime(), indexKeysOf(keys, entry));
      next.append(leafHashOfText(body), (level, index, hash) => writes.addBlock(level, index, hash));
      entries.push(entry);
    }
    return { ...writes.scriptCall([keys.size, keys.entries, keys.time, keys.writer], token), frontier: next, entries };
  }

  return {
    append(input: AuditEntryInput | unknown): Promise<AuditEntry> {
      let parsed: ParsedInput;
      try {
        parsed = parseAuditInput(input);
      } catch (error) {
        return Promise.reject(error);
      }
      return enqueue(parsed);
    },
    appendMany(inputs: (AuditEntryInput | unknown)[]): Promise<AuditEntry[]> {
      let parsed: ParsedInput[];
      try {
        parsed = inputs.map(parseAuditInput);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.all(parsed.map(enqueue));
    },
    /** Forget the cached right edge (after an outside change such as a restore). */
    reset(): void {
      frontier = undefined;
    },
  };
}

export type Appender = ReturnType<typeof createAppender>;

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
