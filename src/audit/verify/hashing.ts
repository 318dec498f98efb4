import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * RFC 6962 s.2.1 hashing, with SHA-256. The one-byte prefixes keep a leaf
 * from ever being taken for an interior node (second-preimage resistance,
 * RFC 6962 s.2.1 and RFC 9162 s.2.1.1).
 *
 * Hashes use the one-shot crypto.hash over a reused scratch buffer that
 * holds prefix and input together: a createHash object per hash (and its
 * update calls) cost about a third more on these small inputs, and the log
 * hashes every entry once on append and once more in full verification.
 */
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

export const HASH_BYTES = 32;

/** MTH({}) = SHA-256() (RFC 6962 s.2.1): the root of the empty tree. */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

let leafScratch = Buffer.alloc(4096);
const nodeScratch = Buffer.alloc(1 + 2 * HASH_BYTES);
nodeScratch[0] = NODE_PREFIX;

/** SHA-256(0x00 || leafBytes). */
export function leafHash(leafBytes: Uint8Array): Buffer {
  if (leafBytes.length + 1 > leafScratch.length) leafScratch = Buffer.alloc(2 * (leafBytes.length + 1));
  leafScratch[0] = LEAF_PREFIX;
  leafScratch.set(leafBytes, 1);
  return hash('sha256', leafScratch.subarray(0, leafBytes.length + 1), 'buffer');
}

/** SHA-256(0x00 || UTF-8 of text): the leaf of canonical JSON still held as a string. */
export function leafHashOfText(text: string): Buffer {
  // U+0000 encodes as the single byte 0x00, the leaf prefix.
  return hash('sha256', `\u0000${text}`, 'buffer');
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) return hash('sha256', Buffer.concat([nodeScratch.subarray(0, 1), left, right]), 'buffer');
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_BYTES);
  return hash('sha256', nodeScratch, 'buffer');
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
