import { describe, expect, it } from 'vitest';
import { reviewDeadline } from '../flags/index.js';
import { assertFlagReviewDatesAhead } from './flag-review-dates.js';

const update = (flags: Array<{ action: 'set' | 'clear'; reviewDate: string }>) => ({
  type: 'risk-flag-update',
  body: { flags: flags.map((flag) => ({ code: 'violence', level: 'high', ...flag })) },
});
const at = new Date('2026-11-23T15:00:00Z');

describe('review dates of flags being set', () => {
  it('lets a flag stand through the whole of its review date (UTC)', () => {
    expect(reviewDeadline('2026-11-23')).toBe(Date.parse('2026-11-24T00:00:00Z'));
  });

  it('accepts a review date of today or later, and a clear whatever its date', () => {
    expect(() => assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2026-11-23' }, { action: 'set', reviewDate: '2027-02-01' }]), at)).not.toThrow();
    expect(() => assertFlagReviewDatesAhead(update([{ action: 'clear', reviewDate: '2020-01-01' }]), at)).not.toThrow();
  });

  it('refuses a set whose review date has passed, naming each such flag by path and never its value', () => {
    let thrown: unknown;
    try {
      assertFlagReviewDatesAhead(update([{ action: 'set', reviewDate: '2027-01-01' }, { action: 'set', reviewDate: '2026-11-22' }, { action: 'clear', reviewDate: '2026-01-01' }]), at);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'MESSAGE_INVALID', details: { issues: [{ path: 'body.flags[1].reviewDate', code: 'review_date_passed' }] } });
    expect(JSON.stringify(thrown)).not.toContain('2026-11-22');
  });

  it('leaves other message types alone', () => {
    expect(() => assertFlagReviewDatesAhead({ type: 'arrest-notification', body: {} }, at)).not.toThrow();
  });
});
