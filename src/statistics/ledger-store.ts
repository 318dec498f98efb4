import { keyspace, type RedisClient } from '../redis/index.js';
import { luaScript } from '../routing/delivery/lua-script.js';
import { decodeFact, decodeLedgerFact, encodeFact, type LedgerFact, type NewFact } from './fact.js';

/**
 * The statistics ledger in Redis. Facts are appended, one line each, to a
 * string per event month (APPEND), so a compilation reads a few large values
 * in chunks instead of a million small entries; every line carries its
 * ledger position, so a return says exactly which facts it covers and can be
 * compiled again to the same bytes. A fact is written at most once per
 * message (a retried intake finds its fact already there). The only removal
 * is retention erasure (ledger-retention.ts), each with an audit entry.
 */
export interface LedgerStore {
  /** Writes the fact unless this message already has one; returns its position, or undefined when the ledger is full. */
  append(messageId: string, fact: NewFact): Promise<number | undefined>;
  /** The position of the last fact written (0 for an empty ledger). */
  position(): Promise<number>;
  /** How many facts the ledger holds now. */
  size(): Promise<number>;
  /** Every fact up to `position`, month by month, in batches (one per chunk read) so memory stays flat. */
  read(position: number): AsyncIterable<LedgerFact[]>;
  /** Each month's facts with their message ids, for the retention sweep. */
  months(): Promise<string[]>;
  monthFacts(month: string): Promise<Array<{ fact: LedgerFact; messageId: string }>>;
  /** Removes facts of one month (by position) and their message index entries. */
  remove(month: string, items: ReadonlyArray<{ seq: number; messageId: string }>): Promise<void>;
}

export interface LedgerStoreOptions {
  redis: RedisClient;
  prefix: string;
  /** The most facts the ledger holds (a quota: intake can grow it). */
  maxFacts: number;
  /** Bytes asked of Redis per read (4 MiB); tests make it small so lines cross chunk boundaries. */
  readChunkBytes?: number;
}

export function ledgerKeys(prefix: string) {
  const key = keyspace(prefix);
  return { seq: key('stats', 'seq'), count: key('stats', 'count'), written: key('stats', 'written'), months: key('stats', 'months'), month: (month: string) => key('stats', 'month', month) };
}

// KEYS: seq, count, written, months, month. ARGV: messageId, maxFacts, month, line without its position.
const APPEND = luaScript(`
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return tonumber(existing) end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then return -1 end
local seq = redis.call('INCR', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('APPEND', KEYS[5], seq .. ARGV[4] .. '\\n')
redis.call('SADD', KEYS[4], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], seq)
return seq
`);

// Rewrites one month without the erased positions, unless a fact was appended meanwhile (then the sweep retries).
const REMOVE = luaScript(`
if redis.call('STRLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) redis.call('SREM', KEYS[4], ARGV[4]) else redis.call('SET', KEYS[1], ARGV[2]) end
redis.call('DECRBY', KEYS[2], tonumber(ARGV[3]))
for i = 5, #ARGV do redis.call('HDEL', KEYS[3], ARGV[i]) end
return 1
`);

const CHUNK_BYTES = 4 * 2 ** 20;

export function createLedgerStore(options: LedgerStoreOptions): LedgerStore {
  const { redis } = options;
  const keys = ledgerKeys(options.prefix);
  const chunkBytes = options.readChunkBytes ?? CHUNK_BYTES;

  /**
   * The months' lines in order, a chunk's worth at a time. The next chunk is
   * asked for before this one is split, so Redis copies it out (and the socket
   * carries it) while this process decodes: reading a million facts is then
   * bounded by the slower of the two, not their sum. One chunk in flight, so
   * memory stays flat.
   */
  async function* linesOf(months: readonly string[]): AsyncIterable<string[]> {
    const ask = (index: number, offset: number) => (index < months.length ? redis.getrange(keys.month(months[index]!), offset, offset + chunkBytes - 1) : undefined);
    let index = 0;
    let offset = 0;
    let carry = '';
    let pending = ask(0, 0);
    try {
      while (pending) {
        const chunk = await pending;
        const monthEnded = chunk.length < chunkBytes;
        // Every line is ASCII (codes, days, hex keys, ids), so characters are bytes.
        offset += chunk.length;
        pending = monthEnded ? ask(index + 1, 0) : ask(index, offset);
        if (chunk.length > 0) {
          const lines = (carry + chunk).split('\n');
          carry = lines.pop() ?? '';
          yield lines;
        }
        if (monthEnded) {
          if (carry !== '') yield [carry];
          carry = '';
          index += 1;
          offset = 0;
        }
      }
    } finally {
      // A reader that stops early leaves the chunk it never took: its failure is nobody's to handle.
      pending?.catch(() => undefined);
    }
  }

  return {
    async append(messageId, fact) {
      const month = fact.eventDate.slice(0, 7);
      // The position is not known until the script runs: the line is sent without it and the script puts it first.
      const line = encodeFact(0, messageId, fact).slice(1);
      const seq = Number(await APPEND.run(redis, [keys.seq, keys.count, keys.written, keys.months, keys.month(month)], [messageId, options.maxFacts, month, line]));
      return seq < 0 ? undefined : seq;
    },
    async position() {
      return Number((await redis.get(keys.seq)) ?? 0);
    },
    async size() {
      return Number((await redis.get(keys.count)) ?? 0);
    },
    async *read(position) {
      if (position <= 0) return;
      for await (const lines of linesOf(await this.months())) {
        const batch: LedgerFact[] = [];
        for (const line of lines) {
          const fact = decodeLedgerFact(line);
          if (fact.seq <= position) batch.push(fact);
        }
        yield batch;
      }
    },
    async months() {
      return (await redis.smembers(keys.months)).sort();
    },
    async monthFacts(month) {
      const out: Array<{ fact: LedgerFact; messageId: string }> = [];
      for await (const lines of linesOf([month])) for (const line of lines) out.push(decodeFact(line));
      return out;
    },
    async remove(month, items) {
      if (items.length === 0) return;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const text = (await redis.get(keys.month(month))) ?? '';
        const erased = new Set(items.map((item) => item.seq));
        const kept = text.split('\n').filter((line) => line !== '' && !erased.has(Number(line.slice(0, line.indexOf('\t')))));
        const removed = text.split('\n').filter((line) => line !== '').length - kept.length;
        const done = await REMOVE.run(redis, [keys.month(month), keys.count, keys.written, keys.months], [Buffer.byteLength(text), kept.length > 0 ? `${kept.join('\n')}\n` : '', removed, month, ...items.map((item) => item.messageId)]);
        if (Number(done) === 1) return;
      }
      throw new Error('the statistics ledger kept changing while facts were erased; the next sweep tries again');
    },
  };
}
