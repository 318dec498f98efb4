import type { RedisClient } from '../redis/index.js';
import type { AuditEntry } from './entry.js';
import { indexKeysOf, type AuditKeys, type IndexKind } from './keys.js';

/**
 * The search indexes are outside the Merkle tree: an entry removed from the
 * agency or subject index disappears from a DPO's search while every hash
 * still matches. Full verification therefore rebuilds, from the verified
 * entries, which index sets each belongs to (src/audit/keys.ts indexKeysOf,
 * the same function the append uses), and compares that with Redis:
 *
 * - missing: an entry absent from an index it belongs to (or filed in the
 *   time index under another time);
 * - misfiled: an index holding an entry that does not belong there, or a seq
 *   the log does not have.
 *
 * Index sets are sorted sets whose member and score are the seq; the time
 * index scores each seq by its entry's time in milliseconds.
 */
export interface IndexProblem {
  kind: 'index-missing' | 'index-misfiled';
  seq: number;
  /** The index, as `<kind>:<value>` (values are codes or pseudonymous subject keys). */
  index: string;
  message: string;
}

const INDEX_KINDS: readonly IndexKind[] = ['subject', 'agency', 'actor', 'purpose', 'event', 'decision'];
const SCAN_COUNT = 500;
const MEMBER_CHUNK = 1000;

export function createIndexCheck(redis: RedisClient, keys: AuditKeys, readBodies: (seqs: number[]) => Promise<Map<number, Buffer>>) {
  const indexPrefix = keys.index('event', '').slice(0, -'event:'.length);
  /** How many entries each index set should hold. */
  const expected = new Map<string, number>();
  const name = (key: string) => (key === keys.time ? 'time' : key.slice(indexPrefix.length));

  function belongsTo(entry: AuditEntry): string[] {
    return indexKeysOf(keys, entry);
  }

  function misfiled(key: string, seq: number): IndexProblem {
    return { kind: 'index-misfiled', seq, index: name(key), message: `the ${name(key)} index holds entry ${seq}, which does not belong there` };
  }

  /**
   * Index sets score each member by its seq. Members scored in [size, sizeNow)
   * are entries appended while verification ran; the rest must be exactly the
   * `expected` entries that belong there, so only a set holding more is read.
   */
  async function misfiledIn(key: string, size: number, sizeNow: number): Promise<IndexProblem | undefined> {
    const [total, later] = await Promise.all([redis.zcard(key), redis.zcount(key, size, `(${sizeNow}`)]);
    if (total - later <= (expected.get(key) ?? 0)) return undefined;
    for (const [min, max] of [['-inf', `(${size}`], [sizeNow, '+inf']] as const) {
      for (let offset = 0; ; offset += MEMBER_CHUNK) {
        const members = await redis.zrangebyscore(key, min, max, 'LIMIT', offset, MEMBER_CHUNK);
        if (members.length === 0) break;
        const seqs = members.map(Number);
        const bodies = await readBodies(seqs.filter((seq) => Number.isSafeInteger(seq) && seq >= 0 && seq < size));
        for (const seq of seqs) {
          const body = bodies.get(seq);
          if (!body || !belongsTo(JSON.parse(body.toString('utf8')) as AuditEntry).includes(key)) return misfiled(key, seq);
        }
      }
    }
    return undefined;
  }

  /** The time index scores by time, not seq: every entry below `size` was found in it, so any extra member is a seq the log does not hold. */
  async function misfiledInTime(sizeNow: number): Promise<IndexProblem | undefined> {
    const total = await redis.zcard(keys.time);
    if (total <= sizeNow) return undefined;
    for (let start = 0; start < total; start += MEMBER_CHUNK) {
      for (const member of await redis.zrange(keys.time, start, start + MEMBER_CHUNK - 1)) {
        const seq = Number(member);
        if (!Number.isSafeInteger(seq) || seq < 0 || seq >= sizeNow) return misfiled(keys.time, seq);
      }
    }
    return undefined;
  }

  return {
    /** Checks that each verified entry of a batch is in every index it belongs to; the first problem, if any. */
    async checkBatch(entries: Array<{ seq: number; body: Buffer }>): Promise<IndexProblem | undefined> {
      // One ZMSCORE per index set the batch touches, not one command per membership.
      const wanted = new Map<string, Array<{ seq: number; score: number }>>([[keys.time, []]]);
      for (const { seq, body } of entries) {
        const entry = JSON.parse(body.toString('utf8')) as AuditEntry;
        (wanted.get(keys.time) as Array<{ seq: number; score: number }>).push({ seq, score: Date.parse(entry.time) });
        for (const key of belongsTo(entry)) {
          expected.set(key, (expected.get(key) ?? 0) + 1);
          let list = wanted.get(key);
          if (!list) wanted.set(key, (list = []));
          list.push({ seq, score: seq });
        }
      }
      expected.set(keys.time, (expected.get(keys.time) ?? 0) + entries.length);
      const pipeline = redis.pipeline();
      const asked = [...wanted.entries()];
      for (const [key, list] of asked) pipeline.zmscore(key, ...list.map((item) => String(item.seq)));
      const replies = (await pipeline.exec()) ?? [];
      let first: IndexProblem | undefined;
      replies.forEach(([error, scores], position) => {
        if (error) throw error;
        const [key, list] = asked[position] as [string, Array<{ seq: number; score: number }>];
        (scores as Array<string | null>).forEach((score, index) => {
          const { seq, score: want } = list[index] as { seq: number; score: number };
          if (score !== null && Number(score) === want) return;
          if (first && first.seq <= seq) return;
          first = {
            kind: 'index-missing',
            seq,
            index: name(key),
            message: score === null ? `entry ${seq} is missing from the ${name(key)} index` : `entry ${seq} is filed in the ${name(key)} index under ${score}, not ${want}`,
          };
        });
      });
      return first;
    },

    /**
     * After every entry was checked: an index set holding more than the
     * entries that belong to it holds a misfiled one. Finds and names it.
     */
    async findMisfiled(size: number): Promise<IndexProblem | undefined> {
      // Entries appended while verification ran (seq from `size` on) are outside what it checked;
      // a seq the log does not hold even now is misfiled.
      const sizeNow = Math.max(size, Number((await redis.get(keys.size)) ?? '0'));
      const found = new Set<string>([keys.time]);
      // Only the index kinds the append writes: other keys may live beside them.
      for (const kind of INDEX_KINDS) {
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', `${indexPrefix}${kind}:*`, 'COUNT', SCAN_COUNT);
          cursor = next;
          for (const key of batch) found.add(key);
        } while (cursor !== '0');
      }
      for (const key of [...found].sort()) {
        const problem = key === keys.time ? await misfiledInTime(sizeNow) : await misfiledIn(key, size, sizeNow);
        if (problem) return problem;
      }
      return undefined;
    },
  };
}
