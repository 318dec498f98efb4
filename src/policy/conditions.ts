import { subjectAgeOn } from '../messages/index.js';
import { parsePath, valuesAt } from './field-paths.js';
import type { ConditionSpec } from './rule-schema.js';

/** What a condition may read besides the message: the decision time and, lazily, the subject's age. */
export interface MatchContext {
  readonly now: Date;
  /** Whole years on `now`; undefined when the record has no usable date of birth. */
  subjectAge(): number | undefined;
}

export type Matcher = (message: unknown, context: MatchContext) => boolean;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function boundTime(bound: string, end: boolean): number {
  if (DATE_ONLY.test(bound)) return Date.parse(`${bound}T${end ? '23:59:59.999' : '00:00:00.000'}Z`);
  return Date.parse(bound);
}

function valueTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = DATE_ONLY.test(value) ? Date.parse(`${value}T00:00:00.000Z`) : Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Turns one structured condition into a predicate. Paths that cross arrays
 * match when ANY element matches (`body.offences[].category in [burglary]`
 * holds when one of the offences is a burglary); `exists: false` holds when
 * no element has the field. Absent and null values do not exist.
 */
export function compileCondition(spec: ConditionSpec): Matcher {
  if (spec.subjectAge) {
    const { min, max } = spec.subjectAge;
    return (_message, context) => {
      const age = context.subjectAge();
      if (age === undefined) return false;
      return (min === undefined || age >= min) && (max === undefined || age <= max);
    };
  }
  const steps = parsePath(spec.path ?? '');
  const present = (message: unknown) => valuesAt(message, steps).filter((v) => v !== null);
  if (spec.equals !== undefined) {
    const expected = spec.equals;
    return (message) => present(message).some((v) => v === expected);
  }
  if (spec.in !== undefined) {
    const allowed = new Set<unknown>(spec.in);
    return (message) => present(message).some((v) => allowed.has(v));
  }
  if (spec.exists !== undefined) {
    const wanted = spec.exists;
    return (message) => present(message).length > 0 === wanted;
  }
  if (spec.range) {
    const { min, max } = spec.range;
    return (message) =>
      present(message).some((v) => typeof v === 'number' && Number.isFinite(v) && (min === undefined || v >= min) && (max === undefined || v <= max));
  }
  if (spec.dateRange) {
    const from = spec.dateRange.from === undefined ? undefined : boundTime(spec.dateRange.from, false);
    const to = spec.dateRange.to === undefined ? undefined : boundTime(spec.dateRange.to, true);
    return (message) =>
      present(message).some((v) => {
        const time = valueTime(v);
        return time !== undefined && (from === undefined || time >= from) && (to === undefined || time <= to);
      });
  }
  throw new TypeError('compileCondition: a validated condition has exactly one operator');
}

/** The subject's age on `now`, or undefined for a missing or impossible date of birth. */
export function ageOf(message: unknown, now: Date): number | undefined {
  const dob = (message as { subject?: { dateOfBirth?: unknown } } | null)?.subject?.dateOfBirth;
  if (typeof dob !== 'string') return undefined;
  try {
    return subjectAgeOn(dob, now);
  } catch {
    return undefined;
  }
}
