import type { AuditEntry } from '../../audit/entry.js';
import { isRegisterAnswer } from '../../audit/register-answer.js';
import { auditIndexKeys } from '../../audit/search/index.js';
import { HubError } from '../../errors.js';
import { keyspace, type RedisClient } from '../../redis/index.js';

/**
 * The DPO overview: sharing volume by agency pair and by purpose per day,
 * refusals by rule, and records about children.
 *
 * Fast on large logs: the time index (`audit:ix:time`) gives each day's seq
 * range in O(log n), the event and decision indexes give the sharing and
 * refusal entries inside it, and only those bodies are read. A finished day
 * never changes (the log is append-only, RFC 6962 s.2.1), so its figures are
 * computed once and kept in Redis; later loads read one small hash field per
 * day. Only today's figures are recomputed on each load.
 */

const DAY_MS = 86_400_000;
/** A day is final once this long has passed after its end (clock skew between hub processes). */
const SETTLE_MS = 3_600_000;
/** Seqs around a day's first/last entry also looked at: appends from several processes may interleave times slightly. */
const SEQ_SLACK = 1000;
const BODY_PAGE = 1000;
export const MAX_OVERVIEW_DAYS = 400;
/** Consultations release nothing themselves: a query's answer is counted from its disclosure entry. */
const SHARING_EVENTS = ['disclosure'] as const;

/** Per-day figure: [kind, from, to, purpose, rule, child, count]. `to` of a refusal lists its recipients, comma-separated. */
type Key = [kind: 's' | 'r', from: string, to: string, purpose: string, rule: string, child: 0 | 1];
type Tuple = [...Key, count: number];

export interface OverviewLogPort {
  getEntries(seqs: number[]): Promise<AuditEntry[]>;
}

export interface OverviewLabels {
  purposeTitle(code: string): string | undefined;
  ruleDescription(id: string): string | undefined;
}

export interface AuditOverview {
  from: string;
  to: string;
  scope: string;
  days: string[];
  totals: { shared: number; refused: number; childShared: number; childRefused: number };
  sharingByAgencyPair: Array<{ from: string; to: string; total: number; byDay: number[] }>;
  sharingByPurpose: Array<{ purpose: string; title: string | null; total: number; byDay: number[] }>;
  refusalsByRule: Array<{ rule: string; description: string | null; total: number }>;
  children: { shared: number[]; refused: number[] };
}

export type OverviewScope = { kind: 'scheme' } | { kind: 'agency'; agencyId: string };

export function createAuditOverview(deps: { redis: RedisClient; prefix: string; auditLog: OverviewLogPort; labels?: OverviewLabels; now?: () => Date }) {
  const keys = auditIndexKeys(deps.prefix);
  const cacheKey = keyspace(deps.prefix)('console', 'overview', 'v2');
  const now = deps.now ?? (() => new Date());

  async function seqRange(startMs: number, endMs: number): Promise<[number, number] | undefined> {
    const [first, last] = await Promise.all([
      deps.redis.zrangebyscore(keys.time, startMs, endMs - 1, 'LIMIT', 0, 1),
      deps.redis.zrevrangebyscore(keys.time, endMs - 1, startMs, 'LIMIT', 0, 1),
    ]);
    if (first[0] === undefined || last[0] === undefined) return undefined;
    const a = Number(first[0]);
    const b = Number(last[0]);
    return [Math.max(0, Math.min(a, b) - SEQ_SLACK), Math.max(a, b) + SEQ_SLACK];
  }

  async function computeDay(day: string): Promise<Tuple[]> {
    const startMs = Date.parse(`${day}T00:00:00.000Z`);
    const endMs = startMs + DAY_MS;
    const range = await seqRange(startMs, endMs);
    if (!range) return [];
    const indexes = [...SHARING_EVENTS.map((event) => keys.event(event)), keys.event('refusal'), keys.decision('deny')];
    const pipeline = deps.redis.pipeline();
    for (const index of indexes) pipeline.zrangebyscore(index, range[0], range[1]);
    const replies = (await pipeline.exec()) ?? [];
    const seqs = new Set<number>();
    for (const [error, members] of replies) {
      if (error) throw error;
      for (const member of members as string[]) seqs.add(Number(member));
    }
    const counts = new Map<string, Tuple>();
    const add = (tuple: Key) => {
      const key = tuple.join('\u0000');
      const found = counts.get(key);
      if (found) found[6] += 1;
      else counts.set(key, [...tuple, 1]);
    };
    const ordered = [...seqs].sort((x, y) => x - y);
    for (let start = 0; start < ordered.length; start += BODY_PAGE) {
      for (const entry of await deps.auditLog.getEntries(ordered.slice(start, start + BODY_PAGE))) {
        const at = Date.parse(entry.time);
        if (!(at >= startMs && at < endMs)) continue;
        const child: 0 | 1 = entry.isChild === true ? 1 : 0;
        const purpose = entry.purpose ?? '';
        if (entry.event === 'refusal' || entry.decision === 'deny') {
          add(['r', entry.agency, entry.recipients.join(','), purpose, entry.ruleIds[0] ?? 'default-deny', child]);
        } else if ((SHARING_EVENTS as readonly string[]).includes(entry.event)) {
          const from = isRegisterAnswer(entry) ? 'hub' : entry.agency;
          for (const to of entry.recipients) add(['s', from, to, purpose, '', child]);
        }
      }
    }
    return [...counts.values()];
  }

  async function dayFigures(days: string[]): Promise<Tuple[][]> {
    const cached = days.length > 0 ? await deps.redis.hmget(cacheKey, ...days) : [];
    const settledBefore = now().getTime() - SETTLE_MS;
    return Promise.all(
      days.map(async (day, position) => {
        const hit = cached[position];
        if (hit) return JSON.parse(hit) as Tuple[];
        const figures = await computeDay(day);
        if (Date.parse(`${day}T00:00:00.000Z`) + DAY_MS < settledBefore) await deps.redis.hset(cacheKey, day, JSON.stringify(figures));
        return figures;
      }),
    );
  }

  return {
    /** Figures for the UTC days from..to (inclusive, YYYY-MM-DD), limited to what the scope may see. */
    async overview(range: { from?: string | undefined; to?: string | undefined }, scope: OverviewScope): Promise<AuditOverview> {
      const today = now().toISOString().slice(0, 10);
      const to = range.to ?? today;
      const from = range.from ?? isoDay(Date.parse(`${to}T00:00:00.000Z`) - 29 * DAY_MS);
      const days = daysBetween(from, to);
      const perDay = await dayFigures(days);
      const visible = (tuple: Tuple) =>
        scope.kind === 'scheme' || tuple[1] === scope.agencyId || tuple[2].split(',').includes(scope.agencyId);

      const pairs = new Map<string, { from: string; to: string; total: number; byDay: number[] }>();
      const purposes = new Map<string, { purpose: string; title: string | null; total: number; byDay: number[] }>();
      const rules = new Map<string, { rule: string; description: string | null; total: number }>();
      const children = { shared: days.map(() => 0), refused: days.map(() => 0) };
      const totals = { shared: 0, refused: 0, childShared: 0, childRefused: 0 };
      perDay.forEach((tuples, dayIndex) => {
        for (const tuple of tuples) {
          if (!visible(tuple)) continue;
          const [kind, fromAgency, toAgency, purpose, rule, child, count] = tuple;
          if (kind === 's') {
            totals.shared += count;
            const pairKey = `${fromAgency}>${toAgency}`;
            const pair = pairs.get(pairKey) ?? { from: fromAgency, to: toAgency, total: 0, byDay: days.map(() => 0) };
            pair.total += count;
            pair.byDay[dayIndex] = (pair.byDay[dayIndex] ?? 0) + count;
            pairs.set(pairKey, pair);
            const code = purpose || 'unspecified';
            const byPurpose = purposes.get(code) ?? { purpose: code, title: deps.labels?.purposeTitle(code) ?? null, total: 0, byDay: days.map(() => 0) };
            byPurpose.total += count;
            byPurpose.byDay[dayIndex] = (byPurpose.byDay[dayIndex] ?? 0) + count;
            purposes.set(code, byPurpose);
            if (child) {
              totals.childShared += count;
              children.shared[dayIndex] = (children.shared[dayIndex] ?? 0) + count;
            }
          } else {
            totals.refused += count;
            const byRule = rules.get(rule) ?? { rule, description: deps.labels?.ruleDescription(rule) ?? null, total: 0 };
            byRule.total += count;
            rules.set(rule, byRule);
            if (child) {
              totals.childRefused += count;
              children.refused[dayIndex] = (children.refused[dayIndex] ?? 0) + count;
            }
          }
        }
      });
      const byTotal = <T extends { total: number }>(a: T, b: T) => b.total - a.total;
      return {
        from,
        to,
        scope: scope.kind === 'scheme' ? 'scheme' : scope.agencyId,
        days,
        totals,
        sharingByAgencyPair: [...pairs.values()].sort(byTotal),
        sharingByPurpose: [...purposes.values()].sort(byTotal),
        refusalsByRule: [...rules.values()].sort(byTotal),
        children,
      };
    },
  };
}

export type AuditOverviewService = ReturnType<typeof createAuditOverview>;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00.000Z`);
  const end = Date.parse(`${to}T00:00:00.000Z`);
  if (!Number.isFinite(start) || !Number.isFinite(end) || isoDay(start) !== from || isoDay(end) !== to) {
    throw new HubError('BAD_REQUEST', 'from and to must be dates (YYYY-MM-DD)');
  }
  if (start > end) throw new HubError('BAD_REQUEST', '`from` must not be after `to`');
  const count = (end - start) / DAY_MS + 1;
  if (count > MAX_OVERVIEW_DAYS) throw new HubError('BAD_REQUEST', `the overview covers at most ${MAX_OVERVIEW_DAYS} days`);
  return Array.from({ length: count }, (_, index) => isoDay(start + index * DAY_MS));
}
