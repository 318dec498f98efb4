import { readIndexFields } from './index-fields.js';
import { forEachIndexOf, INDEX_KINDS, type IndexKind } from './index-membership.js';

/**
 * What the verified entries say the search indexes hold: for each index
 * (kind and value, src/audit/keys.ts forEachIndexOf, the same definition the
 * append uses) the seqs of the entries that belong to it, and each entry's
 * time, its score in the time index. Built in one pass over the entries the
 * leaf check has just matched; src/audit/index-check.ts compares it with
 * Redis.
 *
 * Memory, held until the comparison: a number per (index, entry) pair and
 * one per entry, and a map entry per index: measured about 85 bytes per
 * entry with 1,000 subjects in 100,000 entries, 170 with a subject each.
 */
export interface RecordedIndexes {
  /** Entries recorded: seqs 0 to count - 1. */
  count: number;
  /** Time in milliseconds by seq (NaN for a time that does not parse). */
  times: Float64Array;
  /** Every index some entry belongs to, with its seqs ascending. */
  sets: Array<{ kind: IndexKind; value: string; seqs: ArrayLike<number> }>;
}

export interface IndexRecorder {
  /**
   * The entries at seqs first, first + 1... whose leaves matched, in order
   * from seq 0; those below `signedUpTo` lie inside a signed checkpoint
   * (src/audit/index-fields.ts reads them without JSON.parse).
   */
  recordBodies(first: number, bodies: ReadonlyArray<Buffer>, signedUpTo: number): void;
  result(): RecordedIndexes;
}

export function createIndexRecorder(): IndexRecorder {
  const byKind = new Map<IndexKind, Map<string, number[]>>(INDEX_KINDS.map((kind) => [kind, new Map()]));
  let times = new Float64Array(1024);
  let count = 0;
  let seqNow = 0;

  const note = (kind: IndexKind, value: string) => {
    const byValue = byKind.get(kind) as Map<string, number[]>;
    // Only a value that is not a string (an entry the hub did not write) needs naming as the key does.
    const text = typeof value === 'string' ? value : `${value as unknown}`;
    const seqs = byValue.get(text);
    if (!seqs) byValue.set(ownCopy(text), [seqNow]);
    else if (seqs[seqs.length - 1] !== seqNow) seqs.push(seqNow);
  };

  function record(seq: number, text: string, signed: boolean): void {
    if (seq !== count) throw new Error(`index recorder: entry ${seq} recorded out of order (expected ${count})`);
    const fields = readIndexFields(text, signed);
    if (seq >= times.length) {
      const grown = new Float64Array(times.length * 2);
      grown.set(times);
      times = grown;
    }
    times[seq] = Date.parse(fields.time as string);
    seqNow = seq;
    forEachIndexOf(fields, note);
    count += 1;
  }

  return {
    recordBodies(first, bodies, signedUpTo) {
      for (let position = 0; position < bodies.length; position += 1) record(first + position, (bodies[position] as Buffer).toString('utf8'), first + position < signedUpTo);
    },
    result() {
      const sets: RecordedIndexes['sets'] = [];
      for (const [kind, byValue] of byKind) for (const [value, seqs] of byValue) sets.push({ kind, value, seqs });
      return { count, times: times.subarray(0, count), sets };
    },
  };
}

/**
 * A copy of a string that shares no memory with the one it was cut from: V8
 * keeps a slice as a view of the whole entry text, which a map key held to
 * the end of the check would keep alive, one entry text per subject.
 */
function ownCopy(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}
