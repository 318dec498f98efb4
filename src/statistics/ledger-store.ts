import { keyspace, type RedisClient } from '../redis/index.js';
import { luaScript } from '../routing/delivery/lua-script.js';
import { decodeFact, encodeFact, type LedgerFact, type NewFact } from './fact.js';

/**
 * The statistics ledger in Redis: an append-only stream whose entry ids are
 * the ledger positions (`N-0`), so a return can say exactly which facts it
 * covers and be compiled again to the same bytes. A fact is written at most
 * once per message (a retried intake finds its fact already there). The only
 * removal is retention erasure (ledger-retention.ts), each with an audit entry.
 */
export interface LedgerStore {
  /** Writes the fact unless this message already has one; returns its position, or undefined when the ledger is full. */
  append(messageId: string, fact: NewFact): Promise<number | undefined>;
  /** The position of the last fact written (0 for an empty ledger). */
  position(): Promise<number>;
  size(): Promise<number>;
  /** Every fact up to `position`, oldest first, read in chunks so memory stays flat. */
  read(position: number, chunk?: number): AsyncIterable<LedgerFact>;
  /** Facts with their message ids, oldest first, for the retention sweep. */
  readWithMessageIds(chunk?: number): AsyncIterable<Array<{ fact: LedgerFact; messageId: string }>>;
  /** Removes facts (by position) and their message index entries. */
  remove(items: ReadonlyArray<{ seq: number; messageId: string }>): Promise<void>;
}

export interface LedgerStoreOptions {
  redis: RedisClient;
  prefix: string;
  /** The most facts the ledger holds (a quota: intake can grow it). */
  maxFacts: number;
}

const APPEND = luaScript(`
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return tonumber(existing) end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], seq .. '-0', 'm', ARGV[1], unpack(ARGV, 3))
redis.call('HSET', KEYS[3], ARGV[1], seq)
return seq
`);

export function ledgerKeys(prefix: string) {
  const key = keyspace(prefix);
  return { facts: key('stats', 'facts'), seq: key('stats', 'seq'), written: key('stats', 'written') };
}

export function createLedgerStore(options: LedgerStoreOptions): LedgerStore {
  const { redis } = options;
  const keys = ledgerKeys(options.prefix);

  async function* chunks(end: string, count: number): AsyncIterable<Array<[string, string[]]>> {
    let start = '-';
    for (;;) {
      const rows = (await redis.xrange(keys.facts, start, end, 'COUNT', count)) as Array<[string, string[]]>;
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < count) return;
      start = `(${rows[rows.length - 1]![0]}`;
    }
  }

  return {
    async append(messageId, fact) {
      const seq = Number(await APPEND.run(redis, [keys.facts, keys.seq, keys.written], [messageId, options.maxFacts, ...encodeFact(fact)]));
      return seq < 0 ? undefined : seq;
    },
    async position() {
      return Number((await redis.get(keys.seq)) ?? 0);
    },
    size: () => redis.xlen(keys.facts),
    async *read(position, chunk = 10_000) {
      if (position <= 0) return;
      for await (const rows of chunks(`${position}-0`, chunk)) {
        for (const [id, flat] of rows) yield decodeFact(Number(id.slice(0, -2)), flat.slice(2));
      }
    },
    async *readWithMessageIds(chunk = 1000) {
      for await (const rows of chunks('+', chunk)) {
        yield rows.map(([id, flat]) => ({ fact: decodeFact(Number(id.slice(0, -2)), flat.slice(2)), messageId: flat[1] ?? '' }));
      }
    },
    async remove(items) {
      if (items.length === 0) return;
      await redis
        .multi()
        .xdel(keys.facts, ...items.map((item) => `${item.seq}-0`))
        .hdel(keys.written, ...items.map((item) => item.messageId))
        .exec();
    },
  };
}
