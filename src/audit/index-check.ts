import type { RedisClient } from '../redis/index.js';
import type { SortedSetMembers } from '../redis/sorted-set-dump.js';
import { readSortedSets, type ReadSortedSetsOptions } from '../redis/sorted-set-members.js';
import { createIndexRecorder } from './index-recorder.js';
import { INDEX_KINDS } from './index-membership.js';
import type { AuditKeys } from './keys.js';

/**
 * The search indexes are outside the Merkle tree: an entry removed from the
 * agency or subject index disappears from a DPO's search while every hash
 * still matches. Full verification therefore rebuilds, from the verified
 * entries, which index sets each belongs to (src/audit/keys.ts
 * forEachIndexOf, the same definition the append uses), and compares that
 * with what Redis holds:
 *
 * - missing: an entry absent from an index it belongs to, or filed there
 *   under another score (its seq; its time in the time index);
 * - misfiled: an index holding an entry that does not belong there, or a seq
 *   the log does not have.
 *
 * Index sets are sorted sets whose member and score are the seq; the time
 * index scores each seq by its entry's time in milliseconds.
 *
 * The entries are recorded as the leaf check matches them (index-recorder.ts:
 * one pass over the log, nothing read or parsed twice); once the whole log
 * has been checked, each index set is read whole, once, with DUMP
 * (src/redis/sorted-set-members.ts), and compared with what was recorded for
 * it. That holds every (index, seq) pair in memory until then, instead of
 * costing a Redis command per index set per batch of entries, with a reply
 * to parse for every (index, seq) pair.
 */
export interface IndexProblem {
  kind: 'index-missing' | 'index-misfiled';
  seq: number;
  /** The index, as `<kind>:<value>` (values are codes or pseudonymous subject keys). */
  index: string;
  message: string;
}

export interface IndexCheck {
  /**
   * Notes the indexes of entries whose leaves matched, at seqs first,
   * first + 1..., in order from seq 0. Those below `signedUpTo` lie inside a
   * signed checkpoint, so their bytes are canonical JSON as the hub wrote it
   * (src/audit/index-fields.ts).
   */
  recordBodies(first: number, bodies: ReadonlyArray<Buffer>, signedUpTo: number): void;
  /** Once every entry below `size` is recorded: the first index problem, if any (missing ones before misfiled ones, lowest seq first). */
  check(size: number): Promise<IndexProblem | undefined>;
}

const SCAN_COUNT = 500;

export function createIndexCheck(redis: RedisClient, keys: AuditKeys, reads: ReadSortedSetsOptions = {}): IndexCheck {
  const indexPrefix = keys.index('event', '').slice(0, -'event:'.length);
  const name = (key: string) => (key === keys.time ? 'time' : key.slice(indexPrefix.length));
  const recorder = createIndexRecorder();
  let times: Float64Array = new Float64Array(0);

  return {
    recordBodies(first, bodies, signedUpTo) {
      recorder.recordBodies(first, bodies, signedUpTo);
    },

    async check(size) {
      const recorded = recorder.result();
      if (recorded.count !== size) throw new Error(`index check: ${recorded.count} entries recorded, ${size} in the log`);
      times = recorded.times;
      const wanted = new Map<string, ArrayLike<number>>();
      for (const { kind, value, seqs } of recorded.sets) wanted.set(keys.index(kind, value), seqs);
      const problems = new Problems(name);
      /** Members with a seq from `size` on: entries appended while verification ran, or seqs the log does not have. */
      const later: Array<{ key: string; seq: number }> = [];
      const setKeys = [...new Set([keys.time, ...wanted.keys(), ...(await scanIndexKeys())])].sort();
      for await (const { key, members } of readSortedSets(redis, setKeys, reads)) {
        if (key === keys.time) compareTime(members, size, problems, later);
        else compareIndex(key, wanted.get(key) ?? [], members, size, problems, later);
      }
      // Read after every index: each append stores its entries, indexes and size at once, so an index member
      // of an entry appended while this ran has a seq below the size now.
      const sizeNow = Math.max(size, Number((await redis.get(keys.size)) ?? '0'));
      for (const { key, seq } of later) if (!(seq < sizeNow)) problems.misfiled(key, seq);
      return problems.first();
    },
  };

  function compareTime(members: SortedSetMembers, size: number, problems: Problems, later: Array<{ key: string; seq: number }>): void {
    const seen = new Uint8Array(size);
    const { numbers, scores } = members;
    for (let position = 0; position < members.count; position += 1) {
      const seq = numbers[position] as number;
      if (seq >= 0 && seq < size) {
        seen[seq] = 1;
        if (scores[position] !== times[seq]) problems.filedUnder(keys.time, seq, scores[position] as number, times[seq] as number);
      } else if (seq >= size) {
        later.push({ key: keys.time, seq });
      } else {
        problems.misfiled(keys.time, seqOfMember(members, position));
      }
    }
    const absent = seen.indexOf(0);
    if (absent !== -1) problems.missing(keys.time, absent);
  }

  function compareIndex(key: string, seqs: ArrayLike<number>, members: SortedSetMembers, size: number, problems: Problems, later: Array<{ key: string; seq: number }>): void {
    // The common case: the set holds exactly the expected seqs, each scored by itself, in order, and perhaps entries appended since.
    const { numbers, scores, count } = members;
    let position = 0;
    while (position < count && position < seqs.length && numbers[position] === seqs[position] && scores[position] === seqs[position]) position += 1;
    if (position === seqs.length) {
      let extra = position;
      while (extra < count && (numbers[extra] as number) >= size && scores[extra] === numbers[extra]) extra += 1;
      if (extra === count) {
        for (let index = position; index < count; index += 1) later.push({ key, seq: numbers[index] as number });
        return;
      }
    }
    const scoreOf = new Map<number, number>();
    for (let index = 0; index < count; index += 1) {
      const seq = numbers[index] as number;
      if (Number.isNaN(seq)) problems.misfiled(key, seqOfMember(members, index));
      else scoreOf.set(seq, scores[index] as number);
    }
    for (let index = 0; index < seqs.length; index += 1) {
      const seq = seqs[index] as number;
      const score = scoreOf.get(seq);
      if (score === undefined) problems.missing(key, seq);
      else if (score !== seq) problems.filedUnder(key, seq, score, seq);
      scoreOf.delete(seq);
    }
    for (const [seq, score] of scoreOf) {
      if (seq >= size && score === seq) later.push({ key, seq });
      else problems.misfiled(key, seq);
    }
  }

  /** Index sets of the kinds the append writes (other keys may live beside them), including any no entry belongs to. */
  async function scanIndexKeys(): Promise<string[]> {
    const found: string[] = [];
    for (const kind of INDEX_KINDS) {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${indexPrefix}${kind}:*`, 'COUNT', SCAN_COUNT);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
    }
    return found;
  }
}

/** A member that is not a seq, named by its number if it has one (`05`, `1.5`), as before. */
function seqOfMember(members: SortedSetMembers, position: number): number {
  const seq = members.numbers[position] as number;
  return Number.isNaN(seq) ? Number(members.texts.get(position)) : seq;
}

/** Keeps the first problem of each kind: lowest seq, then index name (sets are compared in name order). */
class Problems {
  private firstMissing: IndexProblem | undefined;
  private firstMisfiled: IndexProblem | undefined;

  constructor(private readonly name: (key: string) => string) {}

  missing(key: string, seq: number): void {
    if (this.isBefore(this.firstMissing, seq)) this.firstMissing = { kind: 'index-missing', seq, index: this.name(key), message: `entry ${seq} is missing from the ${this.name(key)} index` };
  }

  filedUnder(key: string, seq: number, score: number, want: number): void {
    if (this.isBefore(this.firstMissing, seq)) {
      this.firstMissing = { kind: 'index-missing', seq, index: this.name(key), message: `entry ${seq} is filed in the ${this.name(key)} index under ${score}, not ${want}` };
    }
  }

  misfiled(key: string, seq: number): void {
    if (this.isBefore(this.firstMisfiled, seq)) {
      this.firstMisfiled = { kind: 'index-misfiled', seq, index: this.name(key), message: `the ${this.name(key)} index holds entry ${seq}, which does not belong there` };
    }
  }

  first(): IndexProblem | undefined {
    return this.firstMissing ?? this.firstMisfiled;
  }

  private isBefore(current: IndexProblem | undefined, seq: number): boolean {
    if (!current) return true;
    // A member that is no number at all sorts last.
    return (Number.isNaN(seq) ? Number.POSITIVE_INFINITY : seq) < (Number.isNaN(current.seq) ? Number.POSITIVE_INFINITY : current.seq);
  }
}
