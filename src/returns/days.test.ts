import { describe, expect, it } from 'vitest';
import { dayNumber, dayString } from './days.js';

const byDate = (text: string) => Math.floor(Date.parse(`${text.slice(0, 10)}T00:00:00Z`) / 86_400_000);

describe('dayNumber', () => {
  it('is the day Date.parse gives for every calendar day from 1600 to 2400', () => {
    const mismatches: string[] = [];
    for (let day = byDate('1600-01-01'); day <= byDate('2400-12-31'); day += 1) {
      const text = dayString(day);
      if (dayNumber(text) !== day) mismatches.push(text);
    }
    expect(mismatches).toEqual([]);
  });

  it('reads what is not a calendar day as Date.parse does', () => {
    for (const text of ['2026-02-29', '2024-02-29', '2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', 'abcd-ef-gh', '2026-03-01T10:00:00Z']) {
      expect(Object.is(dayNumber(text), byDate(text)), text).toBe(true);
    }
  });
});
