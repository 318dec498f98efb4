import { lzfDecompress } from './lzf.js';

/**
 * The members and scores of a sorted set, read from its DUMP payload.
 *
 * DUMP hands over a whole sorted set as one binary string (Redis' RDB
 * serialisation: members as compact integers or strings, scores as binary
 * doubles), which costs Redis and Node a small fraction of what ZRANGE
 * WITHSCORES costs, where Redis formats every score as decimal text and Node
 * parses a reply string for every member and every score. Full verification
 * reads every search index whole, so this is where its time went.
 *
 * Only the two sorted set encodings Redis 7 writes are read:
 * RDB_TYPE_ZSET_2 (a skiplist: length, then each member as an RDB string and
 * its score as a little-endian IEEE 754 double, greatest first) and
 * RDB_TYPE_ZSET_LISTPACK (one RDB string holding a listpack of member, score,
 * member, score... in ascending order). Anything else, or a payload that does
 * not parse to its last byte, gives undefined: the caller then reads the set
 * with ZRANGE (sorted-set-members.ts). So does a payload from an RDB version
 * outside those this reader was written for (10, Redis 7.0, to 12, Redis
 * 7.4): DUMP's format is Redis' own and not a stable interface, so a newer
 * server is read the documented way rather than trusted to have kept it.
 * The CRC-64 is not checked: like every other reply, the payload is what
 * Redis holds.
 */
export interface SortedSetMembers {
  count: number;
  /**
   * Member i as a number when its text is the canonical decimal form of a
   * safe integer (as every seq is written: no sign on positives, no leading
   * zeros), else NaN and its text in `texts`.
   */
  numbers: Float64Array;
  scores: Float64Array;
  texts: Map<number, string>;
}

const RDB_TYPE_ZSET_2 = 5;
const RDB_TYPE_ZSET_LISTPACK = 17;
/** Two bytes of RDB version and eight of CRC-64 end every DUMP payload. */
const FOOTER_BYTES = 10;
const KNOWN_RDB_VERSIONS = { lowest: 10, highest: 12 } as const;
const LISTPACK_HEADER_BYTES = 6;
const LISTPACK_END = 0xff;
const LISTPACK_UNKNOWN_COUNT = 0xffff;

class Malformed extends Error {}

/** A member or score as the payload holds it: an integer, or bytes. */
type Value = number | bigint | Buffer;

export function parseSortedSetDump(payload: Buffer): SortedSetMembers | undefined {
  if (payload.length < FOOTER_BYTES + 1) return undefined;
  const rdbVersion = payload.readUInt16LE(payload.length - FOOTER_BYTES);
  if (rdbVersion < KNOWN_RDB_VERSIONS.lowest || rdbVersion > KNOWN_RDB_VERSIONS.highest) return undefined;
  try {
    const reader = new RdbReader(payload);
    const type = reader.byte();
    let members: SortedSetMembers;
    if (type === RDB_TYPE_ZSET_2) members = readSkiplist(reader);
    else if (type === RDB_TYPE_ZSET_LISTPACK) members = readListpack(reader.string());
    else return undefined;
    return payload.length - reader.position === FOOTER_BYTES ? members : undefined;
  } catch (error) {
    if (error instanceof Malformed || error instanceof RangeError) return undefined;
    throw error;
  }
}

function emptyMembers(count: number): SortedSetMembers {
  return { count, numbers: new Float64Array(count), scores: new Float64Array(count), texts: new Map() };
}

function setMember(members: SortedSetMembers, index: number, value: Value): void {
  if (typeof value === 'number') {
    members.numbers[index] = value;
  } else if (typeof value === 'bigint') {
    // A 64-bit integer beyond 2^53 is no seq; keep its exact text.
    members.numbers[index] = Number.NaN;
    members.texts.set(index, value.toString());
  } else {
    const number = canonicalInteger(value);
    members.numbers[index] = number;
    if (Number.isNaN(number)) members.texts.set(index, value.toString('utf8'));
  }
}

/** RDB_TYPE_ZSET_2: written from the greatest score down, so filled from the end. */
function readSkiplist(reader: RdbReader): SortedSetMembers {
  const count = reader.length();
  const members = emptyMembers(count);
  for (let written = 0; written < count; written += 1) {
    const index = count - 1 - written;
    setMember(members, index, reader.stringValue());
    members.scores[index] = reader.double();
  }
  return members;
}

/** A listpack (Redis listpack.c): 4-byte total length, 2-byte count, entries, 0xFF. Zset entries alternate member and score. */
function readListpack(bytes: Buffer): SortedSetMembers {
  if (bytes.length < LISTPACK_HEADER_BYTES + 1 || bytes.readUInt32LE(0) !== bytes.length) throw new Malformed();
  const entries = bytes.readUInt16LE(4);
  const reader = new ListpackReader(bytes, LISTPACK_HEADER_BYTES);
  const values: Value[] = [];
  while (!reader.atEnd()) values.push(reader.entry());
  if (reader.position !== bytes.length - 1 || values.length % 2 !== 0) throw new Malformed();
  if (entries !== LISTPACK_UNKNOWN_COUNT && entries !== values.length) throw new Malformed();
  const members = emptyMembers(values.length / 2);
  for (let index = 0; index < members.count; index += 1) {
    setMember(members, index, values[2 * index] as Value);
    members.scores[index] = scoreOf(values[2 * index + 1] as Value);
  }
  return members;
}

/** A listpack score: an integer, or the text Redis wrote the double as (d2string: "1.5", "inf", "-inf"). */
function scoreOf(value: Value): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const text = value.toString('latin1');
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  const score = Number(text);
  if (Number.isNaN(score) || text.trim() !== text || text === '') throw new Malformed();
  return score;
}

/**
 * The value of bytes that are the canonical decimal text of a safe integer
 * ("0", "17", "-4"; not "017", "+1", "-0" or "1.0"), else NaN. Redis
 * stores exactly such strings as integers, so both forms compare the same.
 */
export function canonicalInteger(bytes: Uint8Array): number {
  const length = bytes.length;
  let position = 0;
  let negative = false;
  if (length > 0 && bytes[0] === 0x2d) {
    negative = true;
    position = 1;
  }
  if (position >= length || length - position > 16) return Number.NaN;
  const first = bytes[position] as number;
  if (first === 0x30) return length === 1 ? 0 : Number.NaN;
  let value = 0;
  for (; position < length; position += 1) {
    const digit = (bytes[position] as number) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  if (value > Number.MAX_SAFE_INTEGER) return Number.NaN;
  return negative ? -value : value;
}

/** Redis rdb.c: lengths, strings (raw, integer-encoded or LZF-compressed) and binary doubles. */
class RdbReader {
  position = 0;
  constructor(private readonly bytes: Buffer) {}

  byte(): number {
    if (this.position >= this.bytes.length) throw new Malformed();
    return this.bytes[this.position++] as number;
  }

  /** rdbLoadLen; a string's special encodings (top bits 11) are read by stringValue. */
  length(): number {
    const first = this.byte();
    switch (first >> 6) {
      case 0:
        return first & 0x3f;
      case 1:
        return ((first & 0x3f) << 8) | this.byte();
      case 2:
        if (first === 0x80) return this.bytes.readUInt32BE(this.advance(4));
        if (first === 0x81) {
          const value = this.bytes.readBigUInt64BE(this.advance(8));
          if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Malformed();
          return Number(value);
        }
        throw new Malformed();
      default:
        throw new Malformed();
    }
  }

  /** rdbGenericLoadStringObject, with its integer encodings kept as numbers. */
  stringValue(): Value {
    const first = this.bytes[this.position];
    if (first === undefined) throw new Malformed();
    if (first >> 6 !== 3) return this.take(this.length());
    this.position += 1;
    switch (first & 0x3f) {
      case 0:
        return this.bytes.readInt8(this.advance(1));
      case 1:
        return this.bytes.readInt16LE(this.advance(2));
      case 2:
        return this.bytes.readInt32LE(this.advance(4));
      case 3: {
        const compressedLength = this.length();
        const length = this.length();
        const bytes = lzfDecompress(this.take(compressedLength), length);
        if (!bytes) throw new Malformed();
        return bytes;
      }
      default:
        throw new Malformed();
    }
  }

  /** A string as bytes, whatever its encoding. */
  string(): Buffer {
    const value = this.stringValue();
    return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'latin1');
  }

  double(): number {
    return this.bytes.readDoubleLE(this.advance(8));
  }

  /** Moves past `count` bytes; where they start. */
  private advance(count: number): number {
    const start = this.position;
    if (start + count > this.bytes.length) throw new Malformed();
    this.position = start + count;
    return start;
  }

  private take(count: number): Buffer {
    const start = this.advance(count);
    return this.bytes.subarray(start, start + count);
  }
}

/** Redis listpack.c entries: an encoding byte (and length), the value, then the entry's length again (backlen). */
class ListpackReader {
  constructor(
    private readonly bytes: Buffer,
    public position: number,
  ) {}

  atEnd(): boolean {
    const next = this.bytes[this.position];
    if (next === undefined) throw new Malformed();
    return next === LISTPACK_END;
  }

  entry(): Value {
    const bytes = this.bytes;
    const start = this.position;
    const first = bytes[start] as number;
    let value: Value;
    let size: number;
    if ((first & 0x80) === 0) {
      value = first & 0x7f; // 7-bit unsigned
      size = 1;
    } else if ((first & 0xc0) === 0x80) {
      const length = first & 0x3f; // 6-bit string length
      value = this.slice(start + 1, length);
      size = 1 + length;
    } else if ((first & 0xe0) === 0xc0) {
      value = signed(((first & 0x1f) << 8) | this.at(start + 1), 13); // 13-bit signed
      size = 2;
    } else if ((first & 0xf0) === 0xe0) {
      const length = ((first & 0x0f) << 8) | this.at(start + 1); // 12-bit string length
      value = this.slice(start + 2, length);
      size = 2 + length;
    } else {
      switch (first) {
        case 0xf0: {
          const length = this.slice(start + 1, 4).readUInt32LE(0); // 32-bit string length
          value = this.slice(start + 5, length);
          size = 5 + length;
          break;
        }
        case 0xf1:
          value = this.slice(start + 1, 2).readInt16LE(0);
          size = 3;
          break;
        case 0xf2:
          value = this.slice(start + 1, 3).readIntLE(0, 3);
          size = 4;
          break;
        case 0xf3:
          value = this.slice(start + 1, 4).readInt32LE(0);
          size = 5;
          break;
        case 0xf4: {
          const wide = this.slice(start + 1, 8).readBigInt64LE(0);
          value = wide >= BigInt(Number.MIN_SAFE_INTEGER) && wide <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(wide) : wide;
          size = 9;
          break;
        }
        default:
          throw new Malformed();
      }
    }
    this.position = start + size + backlenBytes(size);
    if (this.position > bytes.length) throw new Malformed();
    return value;
  }

  private at(index: number): number {
    const value = this.bytes[index];
    if (value === undefined) throw new Malformed();
    return value;
  }

  private slice(from: number, count: number): Buffer {
    if (from + count > this.bytes.length) throw new Malformed();
    return this.bytes.subarray(from, from + count);
  }
}

/** lpEncodeBacklen: how many bytes the entry length that follows each entry takes. */
function backlenBytes(size: number): number {
  if (size <= 127) return 1;
  if (size < 16383) return 2;
  if (size < 2097151) return 3;
  if (size < 268435455) return 4;
  return 5;
}

function signed(value: number, bits: number): number {
  return value >= 2 ** (bits - 1) ? value - 2 ** bits : value;
}
