import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCalendarDate } from './age.js';

/**
 * The example messages in policies/examples/ are written as of one day
 * (EXAMPLES_WRITTEN_ON): an arrest "last Thursday", a release "in ten days",
 * risk flags due for review in three months, a child of 15. Read as they
 * stand they go stale: after the review date the flags have expired, and in
 * a few years the child is an adult and the children's annex no longer
 * applies. The demo and the end-to-end tests run against the real clock, so
 * they read the examples through `readExampleMessage`, which moves every
 * date in them by the whole days since that day, keeping every interval and
 * every age as written.
 *
 * `isp-hub send --file` sends a file exactly as it is: it is the sender's
 * message, and the hub never edits what an agency asserts.
 */
export const EXAMPLES_WRITTEN_ON = '2026-11-22';

const DAY_MS = 86_400_000;
/** A calendar date, alone or as the start of an RFC 3339 date-time. */
const LEADING_DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Whole UTC days from `from` (YYYY-MM-DD) to the calendar day of `to`. */
export function daysBetween(from: string, to: Date): number {
  const start = calendarDayMs(from);
  const end = Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate());
  return Math.round((end - start) / DAY_MS);
}

/**
 * A deep copy of `value` with every date string moved by `days`: `YYYY-MM-DD`
 * values and the date part of RFC 3339 date-times (the time of day and the
 * offset stay as written). Other strings are left as they are.
 */
export function moveDates<T>(value: T, days: number): T {
  if (typeof value === 'string') return moveDateString(value, days) as T;
  if (Array.isArray(value)) return value.map((item) => moveDates(item, days)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, moveDates(item, days)])) as T;
  }
  return value;
}

function moveDateString(text: string, days: number): string {
  const match = LEADING_DATE.exec(text);
  if (!match || !parseCalendarDate(match[1] as string)) return text;
  const moved = new Date(calendarDayMs(match[1] as string) + days * DAY_MS).toISOString().slice(0, 10);
  return `${moved}${match[2] ?? ''}`;
}

function calendarDayMs(date: string): number {
  const parsed = parseCalendarDate(date);
  if (!parsed) throw new TypeError(`not a calendar date: ${date}`);
  return Date.UTC(parsed.year, parsed.month - 1, parsed.day);
}

/** policies/examples/<type>.json with its dates moved to `today` (see the comment at the top). */
export async function readExampleMessage<T = Record<string, unknown>>(examplesDir: string, type: string, today = new Date()): Promise<T> {
  const written = JSON.parse(await readFile(path.join(examplesDir, `${type}.json`), 'utf8')) as T;
  return moveDates(written, daysBetween(EXAMPLES_WRITTEN_ON, today));
}
