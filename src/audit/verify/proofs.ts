import { z } from 'zod';
import { HubError } from '../../errors.js';
import { auditEntrySchema, type AuditEntry } from '../entry.js';
import type { Checkpoint } from './checkpoint.js';
import { EMPTY_ROOT, HASH_BYTES, canonicalBytes, leafHash } from './hashing.js';
import { consistencyPathHolds, rootFromInclusionPath } from './merkle.js';

/**
 * Proofs as JSON (docs/audit-format.md): sizes as integers, hashes as
 * base64 (RFC 4648 s.4, padded) of the 32 SHA-256 bytes, paths in the order
 * RFC 6962 s.2.1.1 / s.2.1.2 produce them (nearest the leaf first).
 */
const base64Hash = z.string().regex(/^[A-Za-z0-9+/]{43}=$/);
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const inclusionProofSchema = z.strictObject({
  type: z.literal('inclusion'),
  leafIndex: size,
  treeSize: size,
  leafHash: base64Hash,
  path: z.array(base64Hash).max(64),
});
export type InclusionProof = z.infer<typeof inclusionProofSchema>;

export const consistencyProofSchema = z.strictObject({
  type: z.literal('consistency'),
  firstSize: size,
  secondSize: size,
  path: z.array(base64Hash).max(128),
});
export type ConsistencyProof = z.infer<typeof consistencyProofSchema>;

function invalid(reason: string): HubError {
  return new HubError('AUDIT_PROOF_INVALID', `proof rejected: ${reason}`, { reason });
}

function decodeHash(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== HASH_BYTES) throw invalid('a hash is not 32 bytes');
  return bytes;
}

/** The leaf hash of an entry: SHA-256(0x00 || RFC 8785 canonical JSON). */
export function entryLeafHash(entry: AuditEntry | unknown): Buffer {
  const parsed = auditEntrySchema.safeParse(entry);
  if (!parsed.success) throw invalid('the entry does not match the audit entry format');
  return leafHash(canonicalBytes(parsed.data));
}

function parseProof<T>(schema: z.ZodType<T>, proof: unknown): T {
  const parsed = schema.safeParse(proof);
  if (!parsed.success) throw invalid('proof JSON does not match the format');
  return parsed.data;
}

/**
 * RFC 9162 s.2.1.3.2. `entryOrLeafHash` is the entry itself (its leaf hash is
 * recomputed, so the proof's own `leafHash` is not trusted) or a 32-byte leaf
 * hash. `checkpoint` must already have passed verifyCheckpoint. Throws
 * AUDIT_PROOF_INVALID when the proof does not hold.
 */
export function verifyInclusion(entryOrLeafHash: AuditEntry | Buffer | Uint8Array, proof: InclusionProof | unknown, checkpoint: Checkpoint): true {
  const parsed = parseProof(inclusionProofSchema, proof);
  const leaf = entryOrLeafHash instanceof Uint8Array ? Buffer.from(entryOrLeafHash) : entryLeafHash(entryOrLeafHash);
  if (leaf.length !== HASH_BYTES) throw invalid('a leaf hash is 32 bytes');
  if (!leaf.equals(decodeHash(parsed.leafHash))) throw invalid('the entry is not the proof\'s leaf');
  if (!(entryOrLeafHash instanceof Uint8Array) && (entryOrLeafHash as AuditEntry).seq !== parsed.leafIndex) {
    throw invalid('the entry sits at another index');
  }
  if (parsed.treeSize !== checkpoint.treeSize) throw invalid('proof and checkpoint are for different tree sizes');
  const root = rootFromInclusionPath(parsed.leafIndex, parsed.treeSize, leaf, parsed.path.map(decodeHash));
  if (!root || !root.equals(decodeHash(checkpoint.rootHash))) throw invalid('path does not lead to the checkpoint root');
  return true;
}

/**
 * RFC 9162 s.2.1.4.2: the newer checkpoint's tree contains the older one's
 * unchanged (nothing rewritten, only appended). Both checkpoints must
 * already have passed verifyCheckpoint and come from the same origin.
 */
export function verifyConsistency(proof: ConsistencyProof | unknown, oldCheckpoint: Checkpoint, newCheckpoint: Checkpoint): true {
  const parsed = parseProof(consistencyProofSchema, proof);
  if (oldCheckpoint.origin !== newCheckpoint.origin) throw invalid('checkpoints from different logs');
  if (parsed.firstSize !== oldCheckpoint.treeSize || parsed.secondSize !== newCheckpoint.treeSize) {
    throw invalid('proof sizes differ from the checkpoints');
  }
  const firstRoot = decodeHash(oldCheckpoint.rootHash);
  const secondRoot = decodeHash(newCheckpoint.rootHash);
  const path = parsed.path.map(decodeHash);
  if (parsed.firstSize > parsed.secondSize) throw invalid('the old checkpoint is larger than the new');
  if (parsed.firstSize === parsed.secondSize) {
    if (path.length !== 0 || !firstRoot.equals(secondRoot)) throw invalid('equal sizes must have equal roots and an empty path');
    return true;
  }
  if (parsed.firstSize === 0) {
    // Every tree extends the empty tree (RFC 6962 s.2.1.2 defines no proof for m = 0).
    if (path.length !== 0 || !firstRoot.equals(EMPTY_ROOT)) throw invalid('the empty tree has the empty root and an empty path');
    return true;
  }
  if (!consistencyPathHolds(parsed.firstSize, parsed.secondSize, firstRoot, secondRoot, path)) {
    throw invalid('path does not join the two roots');
  }
  return true;
}
