import { HubError } from '../errors.js';
import { dayNumber, dayString } from './days.js';

/**
 * A return's period: a quarter (`2026-Q1`, January to March, as the
 * programme's quarterly returns ran) or a month (`2026-03`). Days are
 * inclusive at both ends.
 */
export interface Period {
  readonly id: string;
  readonly kind: 'quarter' | 'month';
  readonly start: string;
  readonly end: string;
  readonly startDay: number;
  readonly endDay: number;
}

const QUARTER = /^(\d{4})-Q([1-4])$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function parsePeriod(text: unknown): Period {
  if (typeof text === 'string') {
    const quarter = QUARTER.exec(text);
    if (quarter) return spanOf(text, 'quarter', Number(quarter[1]), (Number(quarter[2]) - 1) * 3, 3);
    const month = MONTH.exec(text);
    if (month) return spanOf(text, 'month', Number(month[1]), Number(month[2]) - 1, 1);
  }
  throw new HubError('PERIOD_INVALID', 'the period must be a quarter or a month', { expected: 'YYYY-Qn (n = 1 to 4) or YYYY-MM', example: '2026-Q1' });
}

function spanOf(id: string, kind: Period['kind'], year: number, firstMonth: number, months: number): Period {
  if (year < 2000 || year > 2999) throw new HubError('PERIOD_INVALID', 'the period must be a quarter or a month', { expected: 'a year from 2000 to 2999' });
  const startDay = dayNumber(new Date(Date.UTC(year, firstMonth, 1)).toISOString());
  const endDay = dayNumber(new Date(Date.UTC(year, firstMonth + months, 1)).toISOString()) - 1;
  return { id, kind, start: dayString(startDay), end: dayString(endDay), startDay, endDay };
}

/** The period of the same kind just before this one. */
export function previousPeriod(period: Period): Period {
  const start = new Date(period.startDay * 86_400_000);
  if (period.kind === 'quarter') {
    const quarter = Math.floor(start.getUTCMonth() / 3);
    return quarter === 0 ? parsePeriod(`${start.getUTCFullYear() - 1}-Q4`) : parsePeriod(`${start.getUTCFullYear()}-Q${quarter}`);
  }
  const month = start.getUTCMonth();
  return month === 0 ? parsePeriod(`${start.getUTCFullYear() - 1}-12`) : parsePeriod(`${start.getUTCFullYear()}-${String(month).padStart(2, '0')}`);
}

/** The quarter a day falls in. */
export function quarterOf(day: string): Period {
  const month = Number(day.slice(5, 7));
  return parsePeriod(`${day.slice(0, 4)}-Q${Math.ceil(month / 3)}`);
}
