/**
 * A subject's age on a given day.
 *
 * Age matters in law here: the Children Act 1989 s.105 and the Crime and
 * Disorder Act 1998 treat anyone under 18 as a child, and the protocol's
 * children's annex applies to them. Ages are counted in whole years on the
 * calendar (UTC) date of `on`.
 *
 * A person born on 29 February reaches their next year of age on 1 March in a
 * common year: in England and Wales a person attains an age at the start of
 * the anniversary of their birth (Family Law Reform Act 1969 s.9), and a
 * common year has no 29 February, so the anniversary falls on 1 March.
 */

const DATE_FORM = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` into numbers, refusing impossible dates such as 2023-02-29. */
export function parseCalendarDate(value: string): { year: number; month: number; day: number } | undefined {
  const match = DATE_FORM.exec(value);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return { year, month, day };
}

export function subjectAgeOn(dateOfBirth: string, on: Date): number {
  const born = parseCalendarDate(dateOfBirth);
  if (!born) throw new TypeError('subjectAgeOn: dateOfBirth must be a real YYYY-MM-DD date');
  if (!(on instanceof Date) || Number.isNaN(on.getTime())) throw new TypeError('subjectAgeOn: on must be a valid Date');
  const year = on.getUTCFullYear();
  const month = on.getUTCMonth() + 1;
  const day = on.getUTCDate();
  let age = year - born.year;
  // Not yet reached this year's anniversary? (29 Feb in a common year: the
  // anniversary is 1 March, so 28 Feb is still before it.)
  if (month < born.month || (month === born.month && day < born.day)) age -= 1;
  if (age < 0) throw new TypeError('subjectAgeOn: the date is before the date of birth');
  return age;
}

/** Under 18 on the day (Children Act 1989 s.105(1)). */
export function isChildOn(dateOfBirth: string, on: Date): boolean {
  return subjectAgeOn(dateOfBirth, on) < 18;
}
