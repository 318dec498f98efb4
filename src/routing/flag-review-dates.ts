import { HubError } from '../errors.js';
import { reviewDeadline } from '../flags/index.js';
import { isChildOn, type RiskFlagUpdateBody } from '../messages/index.js';

/** The catalog's `flagReview` (policies/catalog.yaml): the longest a flag may stand before review, in days. */
export interface FlagReviewHorizon {
  maxDays: number;
  maxDaysForChildren: number;
}

const DAY_MS = 86_400_000;

/**
 * Refuses a risk-flag-update that sets a flag whose review date is out of
 * bounds, naming each such flag's path (never its value), MESSAGE_INVALID:
 *
 * - `review_date_passed`: the date has already passed. The register would
 *   erase it at once, and a later query would find nothing, with nobody told
 *   why. Most likely a typing slip, or an example file sent long after it was
 *   written.
 * - `review_date_too_far`: the date lies beyond the catalog's horizon from
 *   today (the shorter one when the subject is a child on the day). An
 *   unreviewed flag is erased on its review date; a date such as 9999-12-31
 *   would keep it for ever (DPA 2018 s.39).
 *
 * Clearing a flag needs no date check. It depends on the clock, so intake
 * runs it only for a message it has claimed: a replay of one accepted
 * yesterday gets its first answer.
 */
export function assertFlagReviewDatesAhead(record: { type: string; body: unknown; subject?: { dateOfBirth?: string } }, now: Date, horizon: FlagReviewHorizon): void {
  if (record.type !== 'risk-flag-update') return;
  // The record has passed its type's schema (the envelope opener parses it), so the body is a RiskFlagUpdateBody.
  const { flags } = record.body as RiskFlagUpdateBody;
  const maxDays = concernsChild(record.subject?.dateOfBirth, now) ? horizon.maxDaysForChildren : horizon.maxDays;
  const startOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  // The last date allowed is today + maxDays; a flag stands through its review date.
  const latestDeadline = startOfToday + (maxDays + 1) * DAY_MS;
  const issues = flags.flatMap((flag, position) => {
    if (flag.action !== 'set') return [];
    const deadline = reviewDeadline(flag.reviewDate);
    const path = `body.flags[${position}].reviewDate`;
    if (deadline <= now.getTime()) return [{ path, code: 'review_date_passed' }];
    if (deadline > latestDeadline) return [{ path, code: 'review_date_too_far', maxDays }];
    return [];
  });
  if (issues.length > 0) throw new HubError('MESSAGE_INVALID', 'a flag is set with a review date out of bounds (passed, or beyond the review horizon)', { issues });
}

/** A subject whose date of birth is missing or unreadable is treated as a child: the shorter horizon is the safe one. */
function concernsChild(dateOfBirth: string | undefined, now: Date): boolean {
  if (dateOfBirth === undefined) return true;
  try {
    return isChildOn(dateOfBirth, now);
  } catch {
    return true;
  }
}
