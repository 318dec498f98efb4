import { createHash } from 'node:crypto';
import type { RedisClient } from '../../redis/index.js';
import type { AuditIndexKeys } from './index-keys.js';
import { SEARCH_SCRIPT } from './search-script.js';

/** Index-level filters: subject already turned into its pseudonymous key. */
export interface IndexFilter {
  subjectKey?: string;
  agency?: string;
  actor?: { agency: string; id: string };
  purpose?: string;
  event?: string;
  decision?: string;
  fromMs?: number;
  toMs?: number;
  /** The agency DPO's own agency: an extra set in the intersection. */
  scopeAgency?: string;
}

export interface SeqPage {
  /** Newest first. */
  seqs: number[];
  /** Exclusive upper bound for the next page; undefined when nothing older can match. */
  nextBefore: number | undefined;
}

export interface SearchCoreOptions {
  /** Most index members one script call examines (keeps Redis responsive). */
  scanBudget?: number;
  /** Time ranges holding at most this many entries drive the walk themselves. */
  timeDriverMax?: number;
}

const SCRIPT_SHA = createHash('sha1').update(SEARCH_SCRIPT).digest('hex');

/**
 * Finds one page of seqs matching a filter with the Lua walk in
 * search-script.ts. EVALSHA first; a Redis that has not seen the script yet
 * (or lost its script cache in a restart) answers NOSCRIPT and gets the body.
 */
export function createSearchCore(redis: RedisClient, keys: AuditIndexKeys, options: SearchCoreOptions = {}) {
  const scanBudget = options.scanBudget ?? 10_000;
  const timeDriverMax = options.timeDriverMax ?? 20_000;

  async function run(keyList: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(SCRIPT_SHA, keyList.length, ...keyList, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return redis.eval(SEARCH_SCRIPT, keyList.length, ...keyList, ...args);
      }
      throw error;
    }
  }

  return {
    async page(filter: IndexFilter, before: number | undefined, limit: number): Promise<SeqPage> {
      if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
      const sets = new Set<string>();
      if (filter.subjectKey) sets.add(keys.subject(filter.subjectKey));
      if (filter.agency) sets.add(keys.agency(filter.agency));
      if (filter.scopeAgency) sets.add(keys.agency(filter.scopeAgency));
      if (filter.actor) sets.add(keys.actor(filter.actor.agency, filter.actor.id));
      if (filter.purpose) sets.add(keys.purpose(filter.purpose));
      if (filter.event) sets.add(keys.event(filter.event));
      if (filter.decision) sets.add(keys.decision(filter.decision));
      const reply = await run(
        [keys.time, keys.size, ...sets],
        [
          before === undefined ? '' : String(before),
          String(limit),
          filter.fromMs === undefined ? '' : String(filter.fromMs),
          filter.toMs === undefined ? '' : String(filter.toMs),
          String(scanBudget),
          String(timeDriverMax),
        ],
      );
      if (!Array.isArray(reply) || reply.length === 0) throw new TypeError('unexpected reply from the audit search script');
      const [next, ...members] = reply as Array<number | string>;
      const nextNumber = Number(next);
      return {
        seqs: members.map((member) => Number(member)),
        nextBefore: nextNumber < 0 ? undefined : nextNumber,
      };
    },
  };
}

export type SearchCore = ReturnType<typeof createSearchCore>;
