import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BatchWrites } from './batch-writes.js';
import { auditKeys } from './keys.js';
import { leafHash } from './verify/hashing.js';
import { MerkleFrontier } from './verify/merkle.js';

const keys = auditKeys('{batch}');
const FIXED = { size: keys.size, entries: keys.entries, time: keys.time, sequencer: keys.sequencer, queue: keys.queue };

/** Tree strings as a map of key -> bytes, written block by block as the old script did. */
function writeBlockByBlock(chunkSize: number, blocks: Array<[number, number, Buffer]>): Map<string, Buffer> {
  const store = new Map<string, Buffer>();
  for (const [level, index, hash] of blocks) {
    const chunk = Math.floor(index / chunkSize);
    const key = keys.treeChunk(level, chunk);
    const offset = (index - chunk * chunkSize) * 32;
    const before = store.get(key) ?? Buffer.alloc(0);
    const after = Buffer.alloc(Math.max(before.length, offset + 32));
    before.copy(after);
    hash.copy(after, offset);
    store.set(key, after);
  }
  return store;
}

function writeRuns(runs: Array<{ key: string; offset: number; bytes: Buffer }>): Map<string, Buffer> {
  const store = new Map<string, Buffer>();
  for (const { key, offset, bytes } of runs) {
    if (store.has(key)) throw new Error(`two runs for ${key}: the script expects one per key`);
    const after = Buffer.alloc(offset + bytes.length);
    bytes.copy(after, offset);
    store.set(key, after);
  }
  return store;
}

describe('BatchWrites', () => {
  it('writes each level as runs cut at chunk boundaries, byte for byte what block-by-block SETRANGEs write', () => {
    const chunkSize = 4; // a small chunk so that a short batch crosses boundaries on several levels
    for (const [base, count] of [
      [0, 1],
      [3, 2],
      [6, 7],
      [13, 40],
      [31, 33],
    ] as const) {
      const frontier = new MerkleFrontier();
      for (let seq = 0; seq < base; seq += 1) frontier.append(leafHash(randomBytes(8)));
      const writes = new BatchWrites(keys, base, chunkSize);
      const blocks: Array<[number, number, Buffer]> = [];
      for (let position = 0; position < count; position += 1) {
        frontier.append(leafHash(randomBytes(8)), (level, index, hash) => {
          writes.addBlock(level, index, hash);
          blocks.push([level, index, hash]);
        });
      }
      const expected = writeBlockByBlock(chunkSize, blocks);
      const runs = writes.treeRuns();
      const actual = writeRuns(runs);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, bytes] of expected) {
        // Block-by-block writes of a fresh key start at the run's first offset; compare from there.
        const run = runs.find((candidate) => candidate.key === key);
        expect(run, key).toBeDefined();
        expect((actual.get(key) as Buffer).subarray(run?.offset)).toEqual(bytes.subarray(run?.offset));
      }
      // A run never spills past the end of its chunk string.
      for (const run of runs) expect(run.offset + run.bytes.length).toBeLessThanOrEqual(chunkSize * 32);
    }
  });

  it('refuses blocks of one level out of order (they could not form one run)', () => {
    const writes = new BatchWrites(keys, 0);
    writes.addBlock(0, 0, Buffer.alloc(32));
    expect(() => writes.addBlock(0, 2, Buffer.alloc(32))).toThrow(TypeError);
  });

  it('lays out KEYS and ARGV as append.lua reads them: bodies, times, index members by batch position, runs', () => {
    const writes = new BatchWrites(keys, 10);
    writes.addEntry('{"a":1}', 1000, ['ix:x', 'ix:y']);
    writes.addEntry('{"a":2}', 1001, ['ix:y']);
    writes.addBlock(0, 10, Buffer.alloc(32, 1));
    writes.addBlock(0, 11, Buffer.alloc(32, 2));
    writes.addBlock(1, 5, Buffer.alloc(32, 3));
    const chain = Buffer.alloc(32, 9);
    const call = writes.scriptCall(FIXED, 'token', chain);
    expect(call.keys).toEqual([keys.size, keys.entries, keys.time, keys.sequencer, keys.treeChunk(0, 0), keys.queue, 'ix:x', 'ix:y', keys.treeChunk(0, 0), keys.treeChunk(1, 0)]);
    // expected, n, token, k, leaf offset, chain leaf, r, o, s, once and placement seconds, queue read position
    expect(call.args.slice(0, 12)).toEqual([10, 2, 'token', 2, 9 * 32, chain, 2, 0, 0, 1, 1, '0-0']);
    expect(call.args.slice(12, 20)).toEqual(['{"a":1}', '{"a":2}', 1000, 1001, 1, 0, 2, 0]);
    expect(call.args[20]).toBe(1);
    expect(call.args.slice(21, 23)).toEqual([10 * 32, Buffer.concat([Buffer.alloc(32, 1), Buffer.alloc(32, 2)])]);
    expect(call.args.slice(23)).toEqual([5 * 32, Buffer.alloc(32, 3)]);
    // Without a chain leaf the script skips the check; at expected 0 the key is any leaf string.
    expect(new BatchWrites(keys, 0).scriptCall(FIXED, '', undefined).args.slice(4, 6)).toEqual([0, '']);
    expect(new BatchWrites(keys, 65_537).scriptCall(FIXED, '', undefined).keys[4]).toBe(keys.treeChunk(0, 1));
  });
});
