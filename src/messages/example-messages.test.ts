import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { subjectAgeOn } from './age.js';
import { EXAMPLES_WRITTEN_ON, daysBetween, moveDates, readExampleMessage } from './example-messages.js';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies/examples');

describe('example messages kept current', () => {
  it('counts whole calendar days, whatever the time of day', () => {
    expect(daysBetween('2026-11-22', new Date('2026-11-22T23:59:59Z'))).toBe(0);
    expect(daysBetween('2026-11-22', new Date('2026-11-23T00:00:00Z'))).toBe(1);
    expect(daysBetween('2026-11-22', new Date('2028-11-22T12:00:00Z'))).toBe(731);
    expect(daysBetween('2026-11-22', new Date('2026-11-01T00:00:00Z'))).toBe(-21);
  });

  it('moves calendar dates and the date part of date-times, and nothing else', () => {
    const moved = moveDates(
      {
        on: '2026-11-22',
        at: '2026-12-04T14:00:00Z',
        offset: '2026-02-28T09:30:00.125+01:00',
        list: ['2024-02-29', 'not-a-date', '2026-13-01', 'PNC 2026-11-22'],
        count: 20261122,
        nested: { flag: true, none: null },
      },
      10,
    );
    expect(moved).toEqual({
      on: '2026-12-02',
      at: '2026-12-14T14:00:00Z',
      offset: '2026-03-10T09:30:00.125+01:00',
      list: ['2024-03-10', 'not-a-date', '2026-13-01', 'PNC 2026-11-22'],
      count: 20261122,
      nested: { flag: true, none: null },
    });
  });

  it('reads an example as if it were written today: flags still due for review, the child still 15', async () => {
    const today = new Date('2031-06-15T08:00:00Z');
    const written = await readExampleMessage<{ subject: { dateOfBirth: string }; body: { flags: Array<{ reviewDate: string }> } }>(examplesDir, 'risk-flag-update', new Date(`${EXAMPLES_WRITTEN_ON}T12:00:00Z`));
    const moved = await readExampleMessage<typeof written>(examplesDir, 'risk-flag-update', today);
    expect(moved.body.flags.map((flag) => flag.reviewDate)).toEqual(written.body.flags.map((flag) => moveDates(flag.reviewDate, daysBetween(EXAMPLES_WRITTEN_ON, today))));
    for (const flag of moved.body.flags) expect(Date.parse(flag.reviewDate)).toBeGreaterThan(today.getTime());
    expect(subjectAgeOn(moved.subject.dateOfBirth, today)).toBe(subjectAgeOn(written.subject.dateOfBirth, new Date(`${EXAMPLES_WRITTEN_ON}T12:00:00Z`)));
    expect(subjectAgeOn(moved.subject.dateOfBirth, today)).toBe(15);
  });
});
