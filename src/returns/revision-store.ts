import { createHash } from 'node:crypto';
import { keyspace, type RedisClient } from '../redis/index.js';
import type { MeasureResult } from './compile-return.js';
import { cellKey, type Revision } from './scheme-return.js';

/**
 * Each period's compilations, by ledger position, so that a later
 * compilation whose figures differ (a charge notified after the quarter
 * ended) is a visible revision: a higher number, the position it revises and
 * the cells that changed. A compilation at a position already seen gives the
 * stored revision again, so its bytes do not change. At most `KEEP` positions
 * are kept per period (a quota: every compilation could add one).
 */
const KEEP = 200;

interface Stored {
  digest: string;
  revision: Revision;
  cells: Record<string, string>;
}

export interface RevisionStore {
  revisionFor(periodId: string, position: number, measures: readonly MeasureResult[]): Promise<Revision>;
}

export function createRevisionStore(redis: RedisClient, prefix: string): RevisionStore {
  const key = (periodId: string) => keyspace(prefix)('returns', 'compilations', periodId);
  return {
    async revisionFor(periodId, position, measures) {
      const cells = displays(measures);
      const digest = createHash('sha256').update(JSON.stringify(cells)).digest('hex');
      const stored = await redis.hgetall(key(periodId));
      const same = stored[String(position)];
      if (same) return (JSON.parse(same) as Stored).revision;
      const earlier = Object.keys(stored)
        .map(Number)
        .filter((seen) => seen < position)
        .sort((a, b) => a - b)
        .at(-1);
      let revision: Revision = { number: 1, revisesLedgerPosition: null, changedCells: [] };
      if (earlier !== undefined) {
        const previous = JSON.parse(stored[String(earlier)]!) as Stored;
        revision =
          previous.digest === digest
            ? previous.revision
            : { number: previous.revision.number + 1, revisesLedgerPosition: earlier, changedCells: changed(previous.cells, cells) };
      }
      await redis.hset(key(periodId), String(position), JSON.stringify({ digest, revision, cells } satisfies Stored));
      await trim(redis, key(periodId), Object.keys(stored).length + 1);
      return revision;
    },
  };
}

function displays(measures: readonly MeasureResult[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const measure of measures) for (const cell of measure.cells) out[cellKey(measure.id, cell.metric, cell.breakdown)] = cell.display;
  return out;
}

function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => before[name] !== after[name]).sort();
}

/** Drops the oldest positions past the quota; the latest always stays, so revision numbers keep counting. */
async function trim(redis: RedisClient, key: string, size: number): Promise<void> {
  if (size <= KEEP) return;
  const positions = (await redis.hkeys(key)).map(Number).sort((a, b) => a - b);
  await redis.hdel(key, ...positions.slice(0, positions.length - KEEP).map(String));
}
