import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * RFC 6962 s.2.1 hashing, with SHA-256. The one-byte prefixes keep a leaf
 * from ever being taken for an interior node (second-preimage resistance,
 * RFC 6962 s.2.1 and RFC 9162 s.2.1.1).
 */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export const HASH_BYTES = 32;

/** MTH({}) = SHA-256() (RFC 6962 s.2.1): the root of the empty tree. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function leafHash(leafBytes: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leafBytes).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * The bytes of an entry that the log hashes: its JSON canonicalised as
 * RFC 8785 (JCS) says, encoded as UTF-8. Absent optional members are left
 * out, never written as null.
 */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

export function isHash(value: unknown): value is Buffer {
  return Buffer.isBuffer(value) && value.length === HASH_BYTES;
}
