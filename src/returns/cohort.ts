import type { Period } from './period.js';
import type { Person, StatusEvent, Strand } from './person.js';

/**
 * Who is on the scheme when, from status changes alone (their effective
 * dates). "Active" in a period means selected on at least one day of it; each
 * active person counts in one strand: the strand of their last selection in
 * force during the period, so strand figures add up to the scheme's.
 */
export function statusOn(person: Person, day: number): StatusEvent | undefined {
  let found: StatusEvent | undefined;
  for (const event of person.status) {
    if (event.day > day) break;
    found = event;
  }
  return found;
}

export function isSelectedOn(person: Person, day: number): boolean {
  return statusOn(person, day)?.status === 'selected';
}

export function isActiveIn(person: Person, period: Pick<Period, 'startDay' | 'endDay'>): boolean {
  if (isSelectedOn(person, period.startDay)) return true;
  return person.status.some((event) => event.status === 'selected' && event.day >= period.startDay && event.day <= period.endDay);
}

/** The strand of the person's last selection in force during the period. */
export function strandIn(person: Person, period: Pick<Period, 'startDay' | 'endDay'>): Strand | undefined {
  let strand: Strand | undefined;
  for (const event of person.status) {
    if (event.day > period.endDay) break;
    if (event.status === 'selected' && event.strand) strand = event.strand;
  }
  return strand;
}

/** The day the selection in force on `day` began (the first `selected` after the last non-selected status). */
export function selectedSince(person: Person, day: number): number | undefined {
  let since: number | undefined;
  for (const event of person.status) {
    if (event.day > day) break;
    if (event.status === 'selected') since ??= event.day;
    else since = undefined;
  }
  return since;
}

/** Whether the person is in custody at the end of `day`: a custody start with no release on or after it. */
export function inCustodyOn(person: Person, day: number): boolean {
  let lastStart: number | undefined;
  for (const start of person.custodyStarts) if (start <= day) lastStart = start;
  if (lastStart === undefined) return false;
  return !person.releases.some((release) => release >= lastStart! && release <= day);
}

/** A child in the period: a fact recorded while under 18 during it, or the last fact before it was. */
export function childIn(person: Person, period: Pick<Period, 'startDay' | 'endDay'>): boolean {
  let before: boolean | undefined = person.ageBefore === undefined || Math.floor(person.ageBefore / 2) >= period.startDay ? undefined : person.ageBefore % 2 === 1;
  for (const age of person.ages) {
    const day = Math.floor(age / 2);
    const child = age % 2 === 1;
    if (day < period.startDay) before = child;
    else if (day <= period.endDay && child) return true;
  }
  return before === true;
}

/** Whether the person was selected on `strand` on at least one day of the period. */
export function wasOnStrandIn(person: Person, period: Pick<Period, 'startDay' | 'endDay'>, strand: Strand): boolean {
  const atStart = statusOn(person, period.startDay);
  if (atStart?.status === 'selected' && atStart.strand === strand) return true;
  return person.status.some((event) => event.status === 'selected' && event.strand === strand && event.day >= period.startDay && event.day <= period.endDay);
}
