import { EMPTY_ROOT, nodeHash } from './hashing.js';

/**
 * The Merkle tree of RFC 6962 s.2.1 over leaf hashes, and the verification
 * algorithms of RFC 9162 s.2.1.3.2 and s.2.1.4.2.
 *
 * The tree over n leaves splits at k, the largest power of two smaller than n,
 * so every left subtree is a complete, aligned block of 2^level leaves. A
 * complete block is named by (level, index): it covers leaves
 * [index * 2^level, (index + 1) * 2^level). Every hash a proof needs is either
 * such a block or is computed from a few of them, which is what lets the log
 * store only complete blocks and still answer proofs for any tree size.
 */

/** Reads the hash of a complete block; level 0 is the leaf hashes. */
export type BlockReader = (level: number, index: number) => Buffer;

export interface BlockRef {
  level: number;
  index: number;
}

/** The largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Exact for every safe integer (bitwise operators would stop at 2^31). */
function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function log2Exact(n: number): number {
  return Math.round(Math.log2(n));
}

/** MTH(D[start:end]) (RFC 6962 s.2.1), from complete blocks. */
export function subtreeHash(start: number, end: number, read: BlockReader): Buffer {
  const n = end - start;
  if (n <= 0) throw new TypeError('empty subtree');
  if (isPowerOfTwo(n) && start % n === 0) {
    const level = log2Exact(n);
    return read(level, start / n);
  }
  const k = splitPoint(n);
  return nodeHash(subtreeHash(start, start + k, read), subtreeHash(start + k, end, read));
}

/** The root of the first `size` leaves. */
export function rootHash(size: number, read: BlockReader): Buffer {
  return size === 0 ? Buffer.from(EMPTY_ROOT) : subtreeHash(0, size, read);
}

/** PATH(m, D[n]) of RFC 6962 s.2.1.1, leaf first, for the subtree [start, end). */
export function inclusionPath(leafIndex: number, treeSize: number, read: BlockReader): Buffer[] {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) throw new TypeError('leaf index outside the tree');
  const path: Buffer[] = [];
  const walk = (m: number, start: number, end: number): void => {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, start + k);
      path.push(subtreeHash(start + k, end, read));
    } else {
      walk(m - k, start + k, end);
      path.push(subtreeHash(start, start + k, read));
    }
  };
  walk(leafIndex, 0, treeSize);
  return path;
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 6962 s.2.1.2. */
export function consistencyPath(firstSize: number, secondSize: number, read: BlockReader): Buffer[] {
  if (!(firstSize >= 0 && firstSize <= secondSize)) throw new TypeError('consistency needs 0 <= first <= second');
  if (firstSize === 0 || firstSize === secondSize) return [];
  const path: Buffer[] = [];
  const subproof = (m: number, start: number, end: number, complete: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!complete) path.push(subtreeHash(start, end, read));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, start + k, complete);
      path.push(subtreeHash(start + k, end, read));
    } else {
      subproof(m - k, start + k, end, false);
      path.push(subtreeHash(start, start + k, read));
    }
  };
  subproof(firstSize, 0, secondSize, true);
  return path;
}

/**
 * Runs `compute` twice: once to learn which blocks it reads, once with their
 * hashes. The shape of every computation above depends only on sizes and
 * indexes, never on hash values, so a store can fetch all blocks in one round
 * trip.
 */
export async function withFetchedBlocks<T>(
  compute: (read: BlockReader) => T,
  fetch: (refs: BlockRef[]) => Promise<Buffer[]>,
): Promise<T> {
  const wanted = new Map<string, BlockRef>();
  const placeholder = Buffer.alloc(32);
  compute((level, index) => {
    wanted.set(`${level}:${index}`, { level, index });
    return placeholder;
  });
  const refs = [...wanted.values()];
  const hashes = await fetch(refs);
  const known = new Map<string, Buffer>();
  refs.forEach((ref, position) => {
    const hash = hashes[position];
    if (!hash || hash.length !== 32) throw new MissingBlockError(ref);
    known.set(`${ref.level}:${ref.index}`, hash);
  });
  return compute((level, index) => {
    const hash = known.get(`${level}:${index}`);
    if (!hash) throw new TypeError('block read on the second pass that the first did not ask for');
    return hash;
  });
}

/** A stored block the tree should hold is absent: the store has lost data. */
export class MissingBlockError extends Error {
  constructor(readonly ref: BlockRef) {
    super(`tree block level ${ref.level} index ${ref.index} is missing`);
    this.name = 'MissingBlockError';
  }
}

/**
 * RFC 9162 s.2.1.3.2: verifying an inclusion proof. Returns the computed root
 * or undefined when the path has the wrong shape for the sizes.
 */
export function rootFromInclusionPath(leafIndex: number, treeSize: number, leaf: Buffer, path: readonly Buffer[]): Buffer | undefined {
  if (!(Number.isSafeInteger(leafIndex) && Number.isSafeInteger(treeSize)) || leafIndex < 0 || leafIndex >= treeSize) return undefined;
  let fn = BigInt(leafIndex);
  let sn = BigInt(treeSize - 1);
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

/**
 * RFC 9162 s.2.1.4.2: verifying a consistency proof between tree sizes
 * first < second. The caller handles first == 0 and first == second, where
 * the proof is empty.
 */
export function consistencyPathHolds(
  firstSize: number,
  secondSize: number,
  firstRoot: Buffer,
  secondRoot: Buffer,
  path: readonly Buffer[],
): boolean {
  if (!(Number.isSafeInteger(firstSize) && Number.isSafeInteger(secondSize)) || firstSize <= 0 || firstSize >= secondSize) return false;
  // Step 1: an empty path cannot prove anything between different sizes.
  if (path.length === 0) return false;
  // Step 2: when the old tree is a complete subtree, its root is the first node.
  const nodes = isPowerOfTwo(firstSize) ? [firstRoot, ...path] : [...path];
  let fn = BigInt(firstSize - 1);
  let sn = BigInt(secondSize - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = nodes[0] as Buffer;
  let sr = nodes[0] as Buffer;
  for (const c of nodes.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/**
 * The right edge of the tree ("compact range"): one hash per set bit of the
 * size, the complete blocks that tile [0, size) from the largest down. An
 * append touches only this edge, so appending is O(log n) hashes and the
 * blocks it completes are exactly the ones to store.
 */
export class MerkleFrontier {
  /** Hashes of the tiling blocks, largest (leftmost) first. */
  private readonly edge: Buffer[];
  private count: number;

  constructor(size = 0, edge: Buffer[] = []) {
    if (edge.length !== popCount(size)) throw new TypeError('a frontier needs one hash per set bit of its size');
    this.count = size;
    this.edge = edge.map((hash) => Buffer.from(hash));
  }

  /** The (level, index) of each tiling block of [0, size), largest first. */
  static blocksOf(size: number): BlockRef[] {
    const refs: BlockRef[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level -= 1) {
      const width = 2 ** level;
      if (Math.floor(size / width) % 2 === 1) {
        refs.push({ level, index: start / width });
        start += width;
      }
    }
    return refs;
  }

  get size(): number {
    return this.count;
  }

  clone(): MerkleFrontier {
    // The edge's hashes are never written to, only replaced, so the copy may share them.
    const copy = new MerkleFrontier();
    copy.count = this.count;
    copy.edge.push(...this.edge);
    return copy;
  }

  /**
   * Adds one leaf; `onBlock` hears every complete block this append finishes
   * (the leaf itself at level 0, then each parent it completes).
   */
  append(leaf: Buffer, onBlock?: (level: number, index: number, hash: Buffer) => void): void {
    let hash = leaf;
    let level = 0;
    let index = this.count;
    onBlock?.(0, index, hash);
    while (index % 2 === 1) {
      const left = this.edge.pop();
      if (!left) throw new TypeError('frontier out of step with its size');
      hash = nodeHash(left, hash);
      level += 1;
      index = (index - 1) / 2;
      onBlock?.(level, index, hash);
    }
    this.edge.push(hash);
    this.count += 1;
  }

  root(): Buffer {
    if (this.edge.length === 0) return Buffer.from(EMPTY_ROOT);
    let root = this.edge[this.edge.length - 1] as Buffer;
    for (let position = this.edge.length - 2; position >= 0; position -= 1) {
      root = nodeHash(this.edge[position] as Buffer, root);
    }
    return root;
  }
}

function popCount(n: number): number {
  let count = 0;
  let rest = n;
  while (rest > 0) {
    count += rest % 2;
    rest = Math.floor(rest / 2);
  }
  return count;
}
