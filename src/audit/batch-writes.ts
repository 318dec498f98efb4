import { TREE_CHUNK_SIZE, type AuditKeys } from './keys.js';

/**
 * Gathers what one append script call writes (src/audit/lua/append.lua),
 * grouped per key: the script then makes one call per index sorted set and
 * one SETRANGE per run of tree blocks, instead of one call per entry and
 * per block. Seqs are not sent: entry i of the batch has seq expected + i,
 * and index members go as batch positions.
 */
export interface ScriptCall {
  keys: string[];
  args: (string | Buffer | number)[];
}

export interface FixedKeys {
  size: string;
  entries: string;
  time: string;
  sequencer: string;
  queue: string;
}

/**
 * What the script records besides the entries: once-keys of appends that
 * must be stored at most once, and the queued batches it takes off the
 * queue (each with where its appends went, told to the process that queued it).
 */
export interface Bookkeeping {
  once: Array<{ key: string; value: string }>;
  queued: Array<{ streamId: string; placedKey: string; placement: string; channel: string }>;
  onceSeconds: number;
  placedSeconds: number;
  /** The newest queued batch the sequencer has read: the script returns those queued after it. */
  readAfter: string;
}

const NO_BOOKKEEPING: Bookkeeping = { once: [], queued: [], onceSeconds: 1, placedSeconds: 1, readAfter: '0-0' };

/** The leaf a batch was built on (seq expected - 1), when the batch under it is not yet known to be stored. */
export type ChainLeaf = Buffer | undefined;

interface LevelRun {
  /** Index of the first block of the run within its level. */
  first: number;
  hashes: Buffer[];
}

export class BatchWrites {
  private readonly bodies: string[] = [];
  private readonly times: number[] = [];
  /** Index key -> batch positions of its entries, in first-seen order. */
  private readonly members = new Map<string, number[]>();
  /** One run per level: the blocks an append completes on a level are consecutive. */
  private readonly levels: LevelRun[] = [];

  constructor(
    private readonly keys: AuditKeys,
    private readonly expected: number,
    private readonly chunkSize = TREE_CHUNK_SIZE,
  ) {}

  /** The next entry of the batch: its canonical JSON, time and index keys. */
  addEntry(body: string, millis: number, indexKeys: Iterable<string>): void {
    const position = this.bodies.length;
    this.bodies.push(body);
    this.times.push(millis);
    for (const key of indexKeys) {
      const positions = this.members.get(key);
      if (positions) positions.push(position);
      else this.members.set(key, [position]);
    }
  }

  /** A tree block the batch completes (MerkleFrontier.append's onBlock). */
  addBlock(level: number, index: number, hash: Buffer): void {
    const run = this.levels[level];
    if (!run) {
      this.levels[level] = { first: index, hashes: [hash] };
      return;
    }
    if (index !== run.first + run.hashes.length) throw new TypeError(`tree blocks of level ${level} out of order`);
    run.hashes.push(hash);
  }

  /** KEYS and ARGV for append.lua (see its header for the layout). */
  scriptCall(fixed: FixedKeys, token: string, chainLeaf: ChainLeaf, bookkeeping: Bookkeeping = NO_BOOKKEEPING): ScriptCall {
    const previous = Math.max(this.expected - 1, 0);
    const previousChunk = Math.floor(previous / this.chunkSize);
    const indexKeys = [...this.members.keys()];
    const memberArgs: number[] = [];
    for (const positions of this.members.values()) memberArgs.push(positions.length, ...positions);
    const runs = this.treeRuns();
    const runArgs: (number | Buffer)[] = [];
    for (const run of runs) runArgs.push(run.offset, run.bytes);
    const { once, queued } = bookkeeping;
    return {
      keys: [
        fixed.size,
        fixed.entries,
        fixed.time,
        fixed.sequencer,
        this.keys.treeChunk(0, previousChunk),
        fixed.queue,
        ...indexKeys,
        ...runs.map((run) => run.key),
        ...once.map((write) => write.key),
        ...queued.map((batch) => batch.placedKey),
      ],
      args: [
        this.expected,
        this.bodies.length,
        token,
        indexKeys.length,
        (previous - previousChunk * this.chunkSize) * 32,
        chainLeaf ?? '',
        runs.length,
        once.length,
        queued.length,
        bookkeeping.onceSeconds,
        bookkeeping.placedSeconds,
        bookkeeping.readAfter,
        ...this.bodies,
        ...this.times,
        ...memberArgs,
        ...runArgs,
        ...once.map((write) => write.value),
        ...queued.flatMap((batch) => [batch.streamId, batch.placement, batch.channel]),
      ],
    };
  }

  /** Each level's run, cut where it crosses from one chunk string into the next. */
  treeRuns(): Array<{ key: string; offset: number; bytes: Buffer }> {
    const runs: Array<{ key: string; offset: number; bytes: Buffer }> = [];
    this.levels.forEach((run, level) => {
      let start = 0;
      while (start < run.hashes.length) {
        const index = run.first + start;
        const chunk = Math.floor(index / this.chunkSize);
        const end = Math.min(run.hashes.length, (chunk + 1) * this.chunkSize - run.first);
        runs.push({
          key: this.keys.treeChunk(level, chunk),
          offset: (index - chunk * this.chunkSize) * 32,
          bytes: Buffer.concat(run.hashes.slice(start, end)),
        });
        start = end;
      }
    });
    return runs;
  }
}
