import type { RedisClient } from '../redis/index.js';
import { blockLocation, TREE_CHUNK_SIZE, type AuditKeys } from './keys.js';
import { MerkleFrontier, withFetchedBlocks, type BlockReader, type BlockRef } from './verify/merkle.js';

/**
 * Reads complete tree blocks from Redis. Any proof or root needs O(log n)
 * blocks, fetched in one pipelined round trip (see withFetchedBlocks), which
 * is what keeps a proof at a million entries well under 5 ms.
 */
export function createTreeStore(redis: RedisClient, keys: AuditKeys) {
  async function readBlocks(refs: BlockRef[]): Promise<Buffer[]> {
    if (refs.length === 0) return [];
    return (await readPipelined(refs, false)).blocks;
  }

  /** The blocks and, in the same round trip, the log's size (GET audit:size before the GETRANGEs). */
  async function readPipelined(refs: BlockRef[], withSize: boolean): Promise<{ size: number; blocks: Buffer[] }> {
    const pipeline = redis.pipeline();
    if (withSize) pipeline.get(keys.size);
    for (const ref of refs) {
      const { key, offset } = blockLocation(keys, ref.level, ref.index);
      pipeline.getrangeBuffer(key, offset, offset + 31);
    }
    const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    const size = withSize ? Number((replies.shift() as string | null) ?? '0') : 0;
    return { size, blocks: replies as Buffer[] };
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
        const { size, blocks } = await readPipelined(refs, true);
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
