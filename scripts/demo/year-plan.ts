/**
 * A deterministic synthetic year of the fictional Northvale PPO scheme over
 * the 365 days before `today`, every event on a day of its own (queries too,
 * though a query's record carries no date and the ledger counts it on the
 * day it is sent): 40 adult PPOs on Catch and Convict and
 * Rehabilitate and Resettle, and 15 young people on Prevent and Deter. The
 * same day always gives the same year (a seeded generator, no clock inside).
 * Every person and record is invented.
 */
import { seeded } from '../../src/test-seeded-random.js';

export type Strand = 'prevent-and-deter' | 'catch-and-convict' | 'rehabilitate-and-resettle';

export interface PlannedEvent {
  day: number;
  kind: 'select' | 'deselect' | 'escalate' | 'arrest' | 'charge' | 'court' | 'release' | 'referral' | 'flag-update' | 'query';
  verdict?: 'convicted' | 'acquitted' | 'withdrawn';
  sentence?: 'immediate-custody' | 'community-order' | 'fine' | 'referral-order' | 'detention-and-training-order';
  remanded?: boolean;
  need?: 'housing' | 'education' | 'substance-misuse';
  /** A flag update's review date: the flag's next quarterly review after `today`, so the hub (which refuses a review date already passed) accepts it when it is sent. */
  reviewDay?: number;
}

export interface PlannedPerson {
  index: number;
  child: boolean;
  strand: Strand;
  birthYear: number;
  events: PlannedEvent[];
}

const REVIEW_EVERY_DAYS = 91;

/**
 * A flag agreed on `day` is reviewed every quarter: its review date is the
 * first quarterly review after `today`, so between 1 and 91 days ahead, inside
 * the catalog's shortest review horizon (183 days for a child).
 */
function nextQuarterlyReview(day: number, today: number): number {
  return day + REVIEW_EVERY_DAYS * Math.max(1, Math.ceil((today + 1 - day) / REVIEW_EVERY_DAYS));
}

export function planYear(today: number, seed = 2004): PlannedPerson[] {
  const random = seeded(seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const chance = (p: number) => random() < p;
  const people: PlannedPerson[] = [];
  const start = today - 365;
  const thisYear = new Date(today * 86_400_000).getUTCFullYear();
  for (let index = 0; index < 55; index += 1) {
    const child = index >= 40;
    const strand: Strand = child ? 'prevent-and-deter' : index < 24 ? 'catch-and-convict' : 'rehabilitate-and-resettle';
    const events: PlannedEvent[] = [];
    // Most were on the scheme before the year began; some join during it.
    const selected = chance(0.75) ? between(start - 400, start - 10) : between(start + 10, today - 30);
    events.push({ day: selected, kind: 'select' });
    const deselected = !child && chance(0.12) ? between(Math.max(selected, start) + 30, today - 5) : undefined;
    if (deselected !== undefined) events.push({ day: deselected, kind: 'deselect' });
    const activeUntil = deselected ?? today;
    const from = Math.max(selected, start);
    let inCustodyUntil = -Infinity;
    const arrests = child ? (chance(0.4) ? 1 : 0) : between(1, 6);
    const arrestDays = Array.from({ length: arrests }, () => between(from, activeUntil)).sort((a, b) => a - b);
    for (const day of arrestDays) {
      if (day <= inCustodyUntil) continue;
      events.push({ day, kind: 'arrest' });
      if (chance(0.3)) events.push({ day: Math.min(today, day + between(0, 1)), kind: 'query' });
      if (!chance(0.65)) continue;
      const charged = day + (chance(0.7) ? between(0, 3) : between(4, 45));
      if (charged > today) continue;
      const remanded = !child && chance(0.2);
      events.push({ day: charged, kind: 'charge', remanded });
      const outcome = charged + between(7, 80);
      if (outcome > today) continue;
      const verdict = chance(0.8) ? 'convicted' : chance(0.5) ? 'acquitted' : 'withdrawn';
      const custodial = verdict === 'convicted' && chance(child ? 0.15 : 0.45);
      const sentence = verdict !== 'convicted' ? undefined : custodial ? (child ? 'detention-and-training-order' : 'immediate-custody') : child ? 'referral-order' : chance(0.6) ? 'community-order' : 'fine';
      events.push({ day: outcome, kind: 'court', verdict, ...(sentence ? { sentence } : {}) });
      if (custodial || remanded) {
        const release = (custodial ? outcome : charged) + between(20, 150);
        inCustodyUntil = release;
        if (release <= today) {
          events.push({ day: release, kind: 'release' });
          if (chance(0.7)) events.push({ day: Math.min(today, release + between(0, 14)), kind: 'referral', need: chance(0.5) ? 'housing' : 'substance-misuse' });
        }
      }
    }
    if (child && chance(0.15) && !events.some((event) => event.kind === 'deselect')) events.push({ day: between(from + 30, today - 1), kind: 'escalate' });
    if (chance(0.35)) events.push({ day: between(from, activeUntil), kind: 'referral', need: child ? 'education' : chance(0.5) ? 'housing' : 'education' });
    if (chance(child ? 0.6 : 0.5)) {
      const day = between(from, activeUntil);
      events.push({ day, kind: 'flag-update', reviewDay: nextQuarterlyReview(day, today) });
    }
    if (child && chance(0.4)) events.push({ day: between(from, activeUntil), kind: 'query' });
    events.sort((a, b) => a.day - b.day);
    people.push({ index, child, strand, birthYear: child ? thisYear - between(13, 16) : thisYear - between(19, 40), events });
  }
  return people;
}
