import { describe, expect, it } from 'vitest';
import type { Checkpoint } from './checkpoint.js';
import { EMPTY_ROOT, leafHash } from './hashing.js';
import { MerkleFrontier, consistencyPath, inclusionPath, type BlockReader } from './merkle.js';
import { verifyConsistency, verifyInclusion } from './proofs.js';

function treeOf(count: number) {
  const blocks = new Map<string, Buffer>();
  const frontier = new MerkleFrontier();
  const roots: Buffer[] = [EMPTY_ROOT];
  const leaves: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const leaf = leafHash(Buffer.from(`northvale-${i}`));
    leaves.push(leaf);
    frontier.append(leaf, (level, index, hash) => blocks.set(`${level}:${index}`, hash));
    roots.push(frontier.root());
  }
  const read: BlockReader = (level, index) => blocks.get(`${level}:${index}`) as Buffer;
  const checkpoint = (treeSize: number, origin = 'northvale-hub'): Checkpoint => ({
    origin,
    treeSize,
    rootHash: (roots[treeSize] as Buffer).toString('base64'),
    time: '2024-05-01T12:00:00.000Z',
  });
  return { read, leaves, checkpoint };
}

const b64 = (hashes: Buffer[]) => hashes.map((hash) => hash.toString('base64'));

describe('verifyInclusion and verifyConsistency (JSON proofs)', () => {
  const { read, leaves, checkpoint } = treeOf(21);

  it('accept proofs in the documented JSON format', () => {
    const proof = { type: 'inclusion', leafIndex: 9, treeSize: 21, leafHash: leaves[9]!.toString('base64'), path: b64(inclusionPath(9, 21, read)) };
    expect(verifyInclusion(leaves[9]!, proof, checkpoint(21))).toBe(true);
    const consistency = { type: 'consistency', firstSize: 6, secondSize: 21, path: b64(consistencyPath(6, 21, read)) };
    expect(verifyConsistency(consistency, checkpoint(6), checkpoint(21))).toBe(true);
  });

  it('handle equal sizes and the empty tree, which have empty paths', () => {
    expect(verifyConsistency({ type: 'consistency', firstSize: 21, secondSize: 21, path: [] }, checkpoint(21), checkpoint(21))).toBe(true);
    expect(verifyConsistency({ type: 'consistency', firstSize: 0, secondSize: 21, path: [] }, checkpoint(0), checkpoint(21))).toBe(true);
    expect(() => verifyConsistency({ type: 'consistency', firstSize: 20, secondSize: 21, path: [] }, checkpoint(20), checkpoint(21))).toThrow(
      expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }),
    );
  });

  it('refuse checkpoints of another origin, mismatched sizes and malformed JSON', () => {
    const consistency = { type: 'consistency', firstSize: 6, secondSize: 21, path: b64(consistencyPath(6, 21, read)) };
    expect(() => verifyConsistency(consistency, checkpoint(6, 'elsewhere'), checkpoint(21))).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
    expect(() => verifyConsistency(consistency, checkpoint(7), checkpoint(21))).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
    expect(() => verifyConsistency({ ...consistency, path: ['zz'] }, checkpoint(6), checkpoint(21))).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
    const proof = { type: 'inclusion', leafIndex: 9, treeSize: 21, leafHash: leaves[9]!.toString('base64'), path: b64(inclusionPath(9, 21, read)), extra: 1 };
    expect(() => verifyInclusion(leaves[9]!, proof, checkpoint(21))).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
  });

  it('refuse a leaf hash given as a proof of another leaf', () => {
    const proof = { type: 'inclusion', leafIndex: 9, treeSize: 21, leafHash: leaves[9]!.toString('base64'), path: b64(inclusionPath(9, 21, read)) };
    expect(() => verifyInclusion(leaves[10]!, proof, checkpoint(21))).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
    const lying = { ...proof, leafHash: leaves[10]!.toString('base64') };
    expect(() => verifyInclusion(leaves[10]!, lying, checkpoint(21))).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
  });
});
