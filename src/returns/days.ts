import { digitsOf } from '../statistics/repeated-text.js';

const known = new Map<string, number>();

/**
 * Calendar days as whole numbers (days since 1970-01-01, UTC), so intervals
 * are subtraction. Remembered: a ledger holds a million facts but only a few
 * thousand distinct days.
 */
export function dayNumber(date: string): number {
  const counted = civilDayNumber(date);
  if (counted !== undefined) return counted;
  const day = date.length === 10 ? date : date.slice(0, 10);
  let number = known.get(day);
  if (number === undefined) {
    number = Math.floor(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
    if (known.size < 100_000) known.set(day, number);
  }
  return number;
}

/**
 * The day number of a well-formed YYYY-MM-DD (the start of `date`) by
 * arithmetic, the same number Date.parse gives, with no string or Date made:
 * a compilation asks two million times. Undefined for anything else (a day
 * past its month's end, say), which Date.parse then reads as it always has.
 * The count of days from the civil date is Howard Hinnant's days_from_civil.
 */
function civilDayNumber(date: string): number | undefined {
  if (date.length < 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) return undefined;
  const year = digitsOf(date, 0, 4);
  const month = digitsOf(date, 5, 2);
  const day = digitsOf(date, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function dayString(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** The middle value (the mean of the two middle ones for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
