import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageRecordSchema, type MessageType } from '../../src/messages/index.js';
import { loadPolicySet, messageSchemasFromMessages } from '../../src/policy/index.js';
import { assertFlagReviewDatesAhead } from '../../src/routing/flag-review-dates.js';
import { messageFor, strandsOver } from '../../scripts/demo/year-messages.js';
import { planYear, type PlannedEvent } from '../../scripts/demo/year-plan.js';

/**
 * demo:year dates each record by its event across the 12 months before
 * today, in the record's own date fields, and the hub still accepts every
 * record: a flag's review date is after the day it is sent and within the
 * catalog's review horizon.
 */
const DAY = 86_400_000;
const today = Math.floor(Date.parse('2026-12-04T00:00:00Z') / DAY);
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const people = planYear(today);
const steps = people.flatMap((person) => {
  const strands = strandsOver(person);
  return person.events.map((event, index) => ({ person, event, strand: strands[index]! }));
});
const inYear = (day: number) => day >= today - 365 && day <= today;
const quarterOf = (day: number) => Math.min(3, Math.floor((day - (today - 365)) / 92));

describe('demo:year dates referrals, flag updates and queries across the year', () => {
  it.each(['referral', 'flag-update', 'query'] as Array<PlannedEvent['kind']>)('plans each %s on a day of its own within the 12 months before today, in every quarter of them', (kind) => {
    const days = steps.filter((step) => step.event.kind === kind).map((step) => step.event.day);
    expect(days.length).toBeGreaterThan(5);
    expect(days.filter((day) => !inYear(day)).map(iso)).toEqual([]);
    const onOneDay = Math.max(...[...new Set(days)].map((day) => days.filter((other) => other === day).length));
    expect(onOneDay, 'the most planned on any one day').toBeLessThanOrEqual(3);
    expect(new Set(days.map(quarterOf))).toEqual(new Set([0, 1, 2, 3]));
  });

  it("writes the planned day into each referral's and flag update's own date fields, and the hub accepts every record", async () => {
    const set = await loadPolicySet(path.resolve('policies'), messageSchemasFromMessages());
    const sentAt = new Date(today * DAY + 12 * 3600_000);
    const consentDays: string[] = [];
    const agreedDays: string[] = [];
    for (const { person, event, strand } of steps) {
      const { record } = await messageFor(person, event, strand);
      expect(messageRecordSchema(record.type as MessageType).safeParse(record).success, `${record.type} for person ${person.index}`).toBe(true);
      expect(() => assertFlagReviewDatesAhead(record, sentAt, set.catalog.flagReview)).not.toThrow();
      if (event.kind === 'referral') {
        expect(record.body['consent'].recordedOn).toBe(iso(event.day));
        expect(record.body['respondBy'] > iso(event.day)).toBe(true);
        expect(record.body['referralReason']).not.toMatch(/20\d\d/);
        consentDays.push(record.body['consent'].recordedOn);
      }
      if (event.kind === 'flag-update') {
        const agreed = new Date(Date.parse(`${record.body['agreedAt'].split(', ').at(-1)} UTC`)).toISOString().slice(0, 10);
        expect(agreed).toBe(iso(event.day));
        agreedDays.push(agreed);
        for (const flag of record.body['flags']) {
          expect(flag.reviewDate > iso(event.day)).toBe(true);
          expect(flag.reviewDate > iso(today)).toBe(true);
        }
      }
    }
    for (const days of [consentDays, agreedDays]) {
      expect(days.filter((day) => !inYear(Math.floor(Date.parse(day) / DAY)))).toEqual([]);
      expect(new Set(days).size).toBeGreaterThan(5);
    }
  });
});
