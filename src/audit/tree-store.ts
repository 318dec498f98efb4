import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/index.js';
import { blockLocation, TREE_CHUNK_SIZE, type AuditKeys } from './keys.js';
import { MerkleFrontier, withFetchedBlocks, type BlockReader, type BlockRef } from './verify/merkle.js';

/**
 * Reads complete tree blocks from Redis. Any proof or root needs O(log n)
 * blocks, fetched with the log's size in one script call (see
 * withFetchedBlocks and lua/read-blocks.lua), which is what keeps a proof at
 * a million entries well under 5 ms.
 */
export function createTreeStore(redis: RedisClient, keys: AuditKeys) {
  const readBlocksScript = defineReadBlocksCommand(redis);

  async function readBlocks(refs: BlockRef[]): Promise<Buffer[]> {
    if (refs.length === 0) return [];
    return (await readWithSize(refs)).blocks;
  }

  /** The blocks and, in the same call, the log's size (lua/read-blocks.lua). */
  async function readWithSize(refs: BlockRef[]): Promise<{ size: number; blocks: Buffer[] }> {
    const keyList: string[] = [keys.size];
    const offsets: number[] = [];
    for (const ref of refs) {
      const { key, offset } = blockLocation(keys, ref.level, ref.index);
      keyList.push(key);
      offsets.push(offset);
    }
    const [size, ...blocks] = await readBlocksScript(keyList.length, ...keyList, ...offsets);
    return { size: Number(size), blocks: blocks as Buffer[] };
  }

  return {
    readBlocks,
    /** Runs a Merkle computation (root, path) against the stored blocks. */
    compute<T>(computation: (read: BlockReader) => T): Promise<T> {
      return withFetchedBlocks(computation, readBlocks);
    },
    /**
     * Like compute, for a tree of `treeSize` entries, and fails with
     * `tooLarge()` when the log is smaller: the size comes in the same round
     * trip as the blocks, so a proof costs one round trip, not two.
     */
    computeAt<T>(treeSize: number, computation: (read: BlockReader) => T, tooLarge: () => Error): Promise<T> {
      return withFetchedBlocks(computation, async (refs) => {
        const { size, blocks } = await readWithSize(refs);
        if (treeSize > size) throw tooLarge();
        return blocks;
      });
    },
    /** The right edge of the tree at `size`, to continue appending from. */
    async frontierAt(size: number): Promise<MerkleFrontier> {
      const refs = MerkleFrontier.blocksOf(size);
      const hashes = await readBlocks(refs);
      if (hashes.some((hash) => hash.length !== 32)) throw new TypeError('the stored tree is missing blocks of its right edge');
      return new MerkleFrontier(size, hashes);
    },
    /** Stored leaf hashes for seqs [start, start + count), as one buffer of 32-byte slots. */
    async readLeaves(start: number, count: number): Promise<Buffer> {
      const parts: Buffer[] = [];
      let position = start;
      const end = start + count;
      const pipeline = redis.pipeline();
      while (position < end) {
        const chunkEnd = Math.min(end, (Math.floor(position / TREE_CHUNK_SIZE) + 1) * TREE_CHUNK_SIZE);
        const { key, offset } = blockLocation(keys, 0, position);
        pipeline.getrangeBuffer(key, offset, offset + (chunkEnd - position) * 32 - 1);
        position = chunkEnd;
      }
      const replies = (await pipeline.exec()) ?? [];
      for (const [error, value] of replies) {
        if (error) throw error;
        parts.push(value as Buffer);
      }
      return Buffer.concat(parts);
    },
  };
}

export type TreeStore = ReturnType<typeof createTreeStore>;

const READ_BLOCKS_SCRIPT = readFileSync(new URL('./lua/read-blocks.lua', import.meta.url), 'utf8');
const READ_BLOCKS_COMMAND = 'ispAuditReadBlocks';
type ReadBlocksCommand = (numberOfKeys: number, ...args: (string | number)[]) => Promise<Array<number | Buffer>>;

function defineReadBlocksCommand(redis: RedisClient): ReadBlocksCommand {
  const holder = redis as unknown as Record<string, ReadBlocksCommand | undefined>;
  // The Buffer variant, so that block bytes come back as they are (EVALSHA, falling back to EVAL once).
  if (!holder[`${READ_BLOCKS_COMMAND}Buffer`]) redis.defineCommand(READ_BLOCKS_COMMAND, { lua: READ_BLOCKS_SCRIPT });
  const command = holder[`${READ_BLOCKS_COMMAND}Buffer`];
  if (!command) throw new TypeError('the audit block reading script could not be defined');
  return command.bind(redis) as ReadBlocksCommand;
}
