import { describe, expect, it } from 'vitest';
import { reviewDeadline } from '../flags/index.js';
import { assertFlagReviewDatesAhead } from './flag-review-dates.js';

const ADULT = '1990-01-01';
const CHILD = '2012-05-05';
const update = (flags: Array<{ action: 'set' | 'clear'; reviewDate: string }>, dateOfBirth = ADULT) => ({
  type: 'risk-flag-update',
  subject: { dateOfBirth },
  body: { flags: flags.map((flag) => ({ code: 'violence', level: 'high', ...flag })) },
});
const at = new Date('2026-11-23T15:00:00Z');
const horizon = { maxDays: 365, maxDaysForChildren: 183 };
const codeOf = (run: () => void): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('review dates of flags being set', () => {
  it('lets a flag stand through the whole of its review date (UTC)', () => {
    expect(reviewDeadline('2026-11-23')).toBe(Date.parse('2026-11-24T00:00:00Z'));
  });

  it('accepts a review date of today or later, and a clear whatever its date', () => {
    expect(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2026-11-23' }, { action: 'set', reviewDate: '2027-02-01' }]), at, horizon)).not.toThrow();
    expect(() => assertFlagReviewDatesAhead(update([{ action: 'clear', reviewDate: '2020-01-01' }, { action: 'clear', reviewDate: '9999-12-31' }]), at, horizon)).not.toThrow();
  });

  it('refuses a set whose review date has passed, naming each such flag by path and never its value', () => {
    let thrown: unknown;
    try {
      assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-01-01' }, { action: 'set', reviewDate: '2026-11-22' }, { action: 'clear', reviewDate: '2026-01-01' }]), at, horizon);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'MESSAGE_INVALID', details: { issues: [{ path: 'body.flags[1].reviewDate', code: 'review_date_passed' }] } });
    expect(JSON.stringify(thrown)).not.toContain('2026-11-22');
  });

  it('leaves other message types alone', () => {
    expect(() => assertFlagReviewDatesAhead({ type: 'arrest-notification', body: {} }, at, horizon)).not.toThrow();
  });

  it('accepts a review date exactly at the horizon: 365 days ahead for an adult, 183 for a child', () => {
    expect(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-11-23' }]), at, horizon)).not.toThrow();
    expect(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-05-25' }], CHILD), at, horizon)).not.toThrow();
  });

  it('refuses a review date beyond the horizon with review_date_too_far, naming the horizon and never the date', () => {
    const adult = codeOf(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-02-01' }, { action: 'set', reviewDate: '9999-12-31' }]), at, horizon));
    expect(adult).toMatchObject({ code: 'MESSAGE_INVALID', details: { issues: [{ path: 'body.flags[1].reviewDate', code: 'review_date_too_far', maxDays: 365 }] } });
    expect(JSON.stringify(adult)).not.toContain('9999');
    const dayOver = codeOf(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-11-24' }]), at, horizon));
    expect(dayOver).toMatchObject({ details: { issues: [{ code: 'review_date_too_far' }] } });
  });

  it("holds a child's flag to the shorter horizon, judged on the subject's age today", () => {
    const child = codeOf(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-05-26' }], CHILD), at, horizon));
    expect(child).toMatchObject({ code: 'MESSAGE_INVALID', details: { issues: [{ path: 'body.flags[0].reviewDate', code: 'review_date_too_far', maxDays: 183 }] } });
    // The same date for an adult is within their horizon.
    expect(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-05-26' }]), at, horizon)).not.toThrow();
  });
});
