import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { parseSortedSetDump } from './sorted-set-dump.js';
import { readSortedSets, type ReadSortedSetsOptions } from './sorted-set-members.js';

/**
 * The DUMP payload of a sorted set, read in Node, must give exactly what
 * ZRANGE WITHSCORES gives, for every encoding Redis picks: a listpack (up to
 * 128 members of up to 64 bytes), a skiplist, members stored as integers of each width or as
 * strings (short, long enough for LZF, not compressible), and scores that are
 * integers, fractions or infinite.
 */
let redis: TestRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startTestRedis({ appendOnly: false });
  client = redis.connect();
});
afterAll(async () => redis?.stop());

/** What Redis itself answers, as member text and score. */
async function byZrange(key: string): Promise<Array<[string, number]>> {
  const reply = await client.zrange(key, 0, -1, 'WITHSCORES');
  const pairs: Array<[string, number]> = [];
  for (let index = 0; index < reply.length; index += 2) {
    const score = reply[index + 1] as string;
    pairs.push([reply[index] as string, score === 'inf' ? Infinity : score === '-inf' ? -Infinity : Number(score)]);
  }
  return pairs;
}

async function byReader(key: string, options: ReadSortedSetsOptions = {}): Promise<Array<[string, number]>> {
  const pairs: Array<[string, number]> = [];
  for await (const { members } of readSortedSets(client, [key], options)) {
    for (let index = 0; index < members.count; index += 1) {
      const number = members.numbers[index] as number;
      pairs.push([Number.isNaN(number) ? (members.texts.get(index) as string) : String(number), members.scores[index] as number]);
    }
  }
  return pairs;
}

const members = (count: number, member: (index: number) => string, score: (index: number) => number) => Array.from({ length: count }, (_, index) => [score(index), member(index)] as const).flat();

const cases: Array<{ name: string; count: number; member: (index: number) => string; score: (index: number) => number }> = [
  { name: 'seqs scored by themselves', count: 100, member: (index) => String(index * 37), score: (index) => index * 37 },
  { name: 'integers of every width, negative ones too', count: 120, member: (index) => String((index % 2 ? -1 : 1) * 7 ** (index % 19)), score: (index) => index },
  { name: 'times in milliseconds', count: 100, member: (index) => String(index), score: (index) => 1_700_000_000_000 + index * 13 },
  { name: 'fractional and infinite scores', count: 50, member: (index) => String(index), score: (index) => (index === 0 ? -Infinity : index === 1 ? Infinity : index / 7) },
  { name: 'members that are not canonical numbers', count: 60, member: (index) => ['05', '+1', '-0', '1.5', 'x', ''][index % 6] + String(index), score: (index) => index },
  { name: 'long members, compressible and not', count: 40, member: (index) => (index % 2 ? 'a'.repeat(50 + index) : Buffer.from(String(index * 7919)).toString('base64').repeat(4)), score: (index) => index },
];

describe('a sorted set read from its DUMP payload', () => {
  for (const sizeName of ['listpack', 'skiplist'] as const) {
    for (const { name, count, member, score } of cases) {
      it(`${sizeName}: ${name}`, async () => {
        const key = `${redis.newPrefix()}:set`;
        // 300 members forces the skiplist encoding (zset-max-listpack-entries is 128).
        const total = sizeName === 'listpack' ? Math.min(count, 100) : count + 300;
        // A member over 64 bytes forces the skiplist too (zset-max-listpack-value).
        const text = (index: number) => (sizeName === 'listpack' ? member(index).slice(0, 64) : member(index));
        await client.zadd(key, ...members(total, (index) => (index < count ? text(index) : `pad${index}`), (index) => (index < count ? score(index) : index)));
        expect(await client.object('ENCODING', key)).toBe(sizeName);
        const payload = (await client.dumpBuffer(key)) as Buffer;
        expect(parseSortedSetDump(payload)).toBeDefined();
        const expected = await byZrange(key);
        expect(await byReader(key)).toEqual(expected);
        expect(await byReader(key, { useDump: false })).toEqual(expected);
      });
    }
  }

  it('with and without LZF compression of the payload strings', async () => {
    const compressed = `${redis.newPrefix()}:set`;
    await client.zadd(compressed, ...members(90, (index) => 'z'.repeat(30) + index, (index) => index));
    // The listpack went into the payload LZF-compressed (RDB string encoding 0xC3 right after the type byte).
    expect(((await client.dumpBuffer(compressed)) as Buffer)[1]).toBe(0xc3);
    expect(await byReader(compressed)).toEqual(await byZrange(compressed));
    await client.config('SET', 'rdbcompression', 'no');
    try {
      const key = `${redis.newPrefix()}:set`;
      await client.zadd(key, ...members(90, (index) => 'z'.repeat(30) + index, (index) => index));
      expect(((await client.dumpBuffer(key)) as Buffer)[1]).not.toBe(0xc3);
      expect(await byReader(key)).toEqual(await byZrange(key));
    } finally {
      await client.config('SET', 'rdbcompression', 'yes');
    }
  });

  it('a set above the DUMP limit is read in pages, a missing key as empty', async () => {
    const key = `${redis.newPrefix()}:set`;
    await client.zadd(key, ...members(40_000, String, (index) => index));
    const expected = await byZrange(key);
    expect(await byReader(key, { dumpMaxMembers: 1000 })).toEqual(expected);
    expect(await byReader(`${redis.newPrefix()}:none`)).toEqual([]);
  });

  it('a payload of another type or cut short is not taken for a sorted set', async () => {
    const prefix = redis.newPrefix();
    await client.set(`${prefix}:string`, 'seq');
    await client.rpush(`${prefix}:list`, '1', '2');
    await client.zadd(`${prefix}:set`, 1, '1', 2, '2');
    expect(parseSortedSetDump((await client.dumpBuffer(`${prefix}:string`)) as Buffer)).toBeUndefined();
    expect(parseSortedSetDump((await client.dumpBuffer(`${prefix}:list`)) as Buffer)).toBeUndefined();
    const payload = (await client.dumpBuffer(`${prefix}:set`)) as Buffer;
    expect(parseSortedSetDump(payload.subarray(0, payload.length - 11))).toBeUndefined();
    expect(parseSortedSetDump(Buffer.concat([payload.subarray(0, payload.length - 10), Buffer.from([0]), payload.subarray(payload.length - 10)]))).toBeUndefined();
  });

  it('a payload from an RDB version this reader was not written for is left to ZRANGE', async () => {
    const prefix = redis.newPrefix();
    await client.zadd(`${prefix}:set`, 1, '1', 2, '2');
    const payload = (await client.dumpBuffer(`${prefix}:set`)) as Buffer;
    expect(parseSortedSetDump(payload)).toBeDefined();
    for (const version of [9, 13]) {
      const relabelled = Buffer.from(payload);
      relabelled.writeUInt16LE(version, relabelled.length - 10);
      expect(parseSortedSetDump(relabelled)).toBeUndefined();
    }
  });
});
