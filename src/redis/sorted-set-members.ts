import type { RedisClient } from './connect.js';
import { canonicalInteger, parseSortedSetDump, type SortedSetMembers } from './sorted-set-dump.js';

export interface ReadSortedSetsOptions {
  /**
   * Sets up to this many members are read whole with DUMP; larger ones with
   * ZRANGE in pages. DUMP runs as one command, during which Redis serves no
   * one else: about 0.1 us per member here, so the default keeps each pause
   * near 100 ms.
   */
  dumpMaxMembers?: number;
  /** false: ZRANGE only (where DUMP is not allowed, and in tests). */
  useDump?: boolean;
}

const DEFAULT_DUMP_MAX_MEMBERS = 1_048_576;
/** Members asked for in one pipeline of DUMPs, so that replies arrive while the last ones are parsed, without holding them all. */
const MEMBERS_PER_ROUND = 1_048_576;
const KEYS_PER_ROUND = 512;
const COUNTS_PER_PIPELINE = 8192;
const RANGE_PAGE = 16_384;

/**
 * Every member and score of each sorted set, one set at a time (a missing key
 * reads as empty). Members are in Redis' order (by score, then member) where
 * the set held still while read; a set read in pages while it grew may show a
 * member twice. The next round of DUMPs is on its way while one is parsed.
 */
export async function* readSortedSets(redis: RedisClient, keys: readonly string[], options: ReadSortedSetsOptions = {}): AsyncGenerator<{ key: string; members: SortedSetMembers }> {
  const dumpMax = options.useDump === false ? -1 : (options.dumpMaxMembers ?? DEFAULT_DUMP_MAX_MEMBERS);
  const sizes = await countMembers(redis, keys);
  const rounds = planRounds(keys, sizes);
  const fetchRound = (round: string[]) => {
    const payloads = dumpAll(
      redis,
      round.filter((key) => (sizes.get(key) as number) <= dumpMax),
    );
    // Handled when awaited; a round left in flight by a caller that stopped early must not become an unhandled rejection.
    payloads.catch(() => undefined);
    return payloads;
  };
  let next = rounds.length > 0 ? fetchRound(rounds[0] as string[]) : undefined;
  for (let index = 0; index < rounds.length; index += 1) {
    const payloads = await (next as Promise<Map<string, Buffer | null>>);
    next = index + 1 < rounds.length ? fetchRound(rounds[index + 1] as string[]) : undefined;
    for (const key of rounds[index] as string[]) {
      const payload = payloads.get(key);
      const parsed = payload === null ? emptySet() : payload ? parseSortedSetDump(payload) : undefined;
      yield { key, members: parsed ?? (await readByRange(redis, key)) };
    }
  }
}

/** Keys in rounds of at most KEYS_PER_ROUND keys and, unless one set alone is larger, MEMBERS_PER_ROUND members. */
function planRounds(keys: readonly string[], sizes: Map<string, number>): string[][] {
  const rounds: string[][] = [];
  let round: string[] = [];
  let members = 0;
  for (const key of keys) {
    const size = sizes.get(key) as number;
    if (round.length > 0 && (round.length >= KEYS_PER_ROUND || members + size > MEMBERS_PER_ROUND)) {
      rounds.push(round);
      round = [];
      members = 0;
    }
    round.push(key);
    members += size;
  }
  if (round.length > 0) rounds.push(round);
  return rounds;
}

async function countMembers(redis: RedisClient, keys: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (let start = 0; start < keys.length; start += COUNTS_PER_PIPELINE) {
    const chunk = keys.slice(start, start + COUNTS_PER_PIPELINE);
    const pipeline = redis.pipeline();
    for (const key of chunk) pipeline.zcard(key);
    ((await pipeline.exec()) ?? []).forEach(([error, count], position) => {
      if (error) throw error;
      sizes.set(chunk[position] as string, Number(count));
    });
  }
  return sizes;
}

/** DUMP of each key: the payload, null for a key that does not exist; left out where DUMP failed (not allowed, renamed). */
async function dumpAll(redis: RedisClient, keys: string[]): Promise<Map<string, Buffer | null>> {
  const payloads = new Map<string, Buffer | null>();
  if (keys.length === 0) return payloads;
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.dumpBuffer(key);
  ((await pipeline.exec()) ?? []).forEach(([error, payload], position) => {
    if (!error) payloads.set(keys[position] as string, (payload as Buffer | null) ?? null);
  });
  return payloads;
}

function emptySet(): SortedSetMembers {
  return { count: 0, numbers: new Float64Array(0), scores: new Float64Array(0), texts: new Map() };
}

/**
 * ZRANGE WITHSCORES by rank, a page at a time. The audit indexes only ever
 * gain members, and a member added below a page already read pushes the
 * others up: one may be read twice, none is skipped.
 */
async function readByRange(redis: RedisClient, key: string): Promise<SortedSetMembers> {
  const numbers: number[] = [];
  const scores: number[] = [];
  const texts = new Map<number, string>();
  for (let rank = 0; ; rank += RANGE_PAGE) {
    const reply = await redis.zrangeBuffer(key, rank, rank + RANGE_PAGE - 1, 'WITHSCORES');
    for (let position = 0; position + 1 < reply.length; position += 2) {
      const member = reply[position] as Buffer;
      const number = canonicalInteger(member);
      if (Number.isNaN(number)) texts.set(numbers.length, member.toString('utf8'));
      numbers.push(number);
      scores.push(scoreText(reply[position + 1] as Buffer));
    }
    if (reply.length < 2 * RANGE_PAGE) break;
  }
  return { count: numbers.length, numbers: Float64Array.from(numbers), scores: Float64Array.from(scores), texts };
}

/** A score as Redis writes it in a reply ("5", "1.5", "inf", "-inf"). */
function scoreText(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
