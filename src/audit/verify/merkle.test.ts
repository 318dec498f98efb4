import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash, nodeHash } from './hashing.js';
import {
  MerkleFrontier,
  consistencyPath,
  consistencyPathHolds,
  inclusionPath,
  rootFromInclusionPath,
  rootHash,
  splitPoint,
  type BlockReader,
} from './merkle.js';

// RFC 6962 reference vectors (the Certificate Transparency test data).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  leafHash(Buffer.from(hex, 'hex')),
);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** MTH, PATH and PROOF written straight from RFC 6962 s.2.1, over a leaf array. */
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = splitPoint(leaves.length);
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}
function referencePath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = splitPoint(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}
function referenceSubproof(m: number, leaves: Buffer[], complete: boolean): Buffer[] {
  if (m === leaves.length) return complete ? [] : [referenceRoot(leaves)];
  const k = splitPoint(leaves.length);
  return m <= k
    ? [...referenceSubproof(m, leaves.slice(0, k), complete), referenceRoot(leaves.slice(k))]
    : [...referenceSubproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}

function leavesOf(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`leaf-${i}`)));
}
/** Complete blocks as the Redis store keeps them, computed from a frontier. */
function blockReader(leaves: Buffer[]): BlockReader {
  const blocks = new Map<string, Buffer>();
  const frontier = new MerkleFrontier();
  for (const leaf of leaves) frontier.append(leaf, (level, index, hash) => blocks.set(`${level}:${index}`, hash));
  return (level, index) => {
    const hash = blocks.get(`${level}:${index}`);
    if (!hash) throw new Error(`block ${level}:${index} was never completed`);
    return hash;
  };
}

describe('RFC 6962 tree', () => {
  it('matches the reference roots for sizes 0..8', () => {
    const read = blockReader(CT_LEAVES);
    for (let size = 0; size <= 8; size += 1) {
      expect(rootHash(size, read).toString('hex')).toBe(CT_ROOTS[size]);
      const frontier = new MerkleFrontier();
      CT_LEAVES.slice(0, size).forEach((leaf) => frontier.append(leaf));
      expect(frontier.root().toString('hex')).toBe(CT_ROOTS[size]);
    }
  });

  it('matches the reference inclusion paths', () => {
    const read = blockReader(CT_LEAVES);
    expect(inclusionPath(0, 8, read).map((hash) => hash.toString('hex'))).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(inclusionPath(5, 8, read).map((hash) => hash.toString('hex'))).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('block-based roots and paths equal the RFC recursion, and RFC 9162 verification accepts them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (size, pick) => {
        const leaves = leavesOf(size);
        const read = blockReader(leaves);
        const root = referenceRoot(leaves);
        expect(rootHash(size, read).equals(root)).toBe(true);
        const index = pick % size;
        const path = inclusionPath(index, size, read);
        expect(path).toEqual(referencePath(index, leaves));
        expect(rootFromInclusionPath(index, size, leaves[index] as Buffer, path)?.equals(root)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('consistency paths equal the RFC recursion and verify for every pair of sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), (second, pick) => {
        const leaves = leavesOf(second);
        const read = blockReader(leaves);
        const first = 1 + (pick % (second - 1));
        const path = consistencyPath(first, second, read);
        expect(path).toEqual(referenceSubproof(first, leaves, true));
        expect(consistencyPathHolds(first, second, referenceRoot(leaves.slice(0, first)), referenceRoot(leaves), path)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a changed path element, a changed leaf, a wrong index and a wrong size', () => {
    const leaves = leavesOf(37);
    const read = blockReader(leaves);
    const root = referenceRoot(leaves);
    const path = inclusionPath(20, 37, read);
    for (let position = 0; position < path.length; position += 1) {
      const bent = path.map((hash, i) => (i === position ? nodeHash(hash, hash) : hash));
      expect(rootFromInclusionPath(20, 37, leaves[20] as Buffer, bent)?.equals(root) ?? false).toBe(false);
    }
    expect(rootFromInclusionPath(20, 37, leaves[21] as Buffer, path)?.equals(root) ?? false).toBe(false);
    expect(rootFromInclusionPath(21, 37, leaves[20] as Buffer, path)?.equals(root) ?? false).toBe(false);
    // A size with another path shape fails; the size itself is bound by the signed checkpoint (see proofs.ts).
    expect(rootFromInclusionPath(20, 21, leaves[20] as Buffer, path)?.equals(root) ?? false).toBe(false);
    expect(rootFromInclusionPath(20, 37, leaves[20] as Buffer, path.slice(1))).toBeUndefined();
    expect(rootFromInclusionPath(37, 37, leaves[20] as Buffer, path)).toBeUndefined();
  });

  it('rejects a consistency proof when the old tree was rewritten', () => {
    const leaves = leavesOf(50);
    const read = blockReader(leaves);
    const path = consistencyPath(13, 50, read);
    const forgedOld = referenceRoot([...leaves.slice(0, 12), leafHash(Buffer.from('forged'))]);
    expect(consistencyPathHolds(13, 50, forgedOld, referenceRoot(leaves), path)).toBe(false);
    expect(consistencyPathHolds(13, 50, referenceRoot(leaves.slice(0, 13)), referenceRoot(leaves), path.slice(0, -1))).toBe(false);
    expect(consistencyPathHolds(13, 50, referenceRoot(leaves.slice(0, 13)), referenceRoot(leaves), [])).toBe(false);
  });

  it('names the tiling blocks of a size, largest first', () => {
    expect(MerkleFrontier.blocksOf(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(MerkleFrontier.blocksOf(0)).toEqual([]);
  });
});
