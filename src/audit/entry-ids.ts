import { randomFillSync } from 'node:crypto';

/**
 * Entry ids: `ae_` + the append time in base 36 + 64 random bits in hex.
 *
 * The random bits come from a pooled buffer refilled 1,024 ids at a time:
 * one randomBytes(8) call per entry cost more than hashing the entry. The
 * bits are still from the CSPRNG, and each is handed out once.
 */
const ID_RANDOM_BYTES = 8;
const pool = Buffer.alloc(ID_RANDOM_BYTES * 1024);
let used = pool.length;

function randomHex(): string {
  if (used + ID_RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += ID_RANDOM_BYTES;
  return pool.toString('hex', used - ID_RANDOM_BYTES, used);
}

export function newEntryId(time: Date): string {
  return `ae_${time.getTime().toString(36)}${randomHex()}`;
}
