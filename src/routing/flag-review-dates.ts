import { HubError } from '../errors.js';
import { reviewDeadline } from '../flags/index.js';
import type { RiskFlagUpdateBody } from '../messages/index.js';

/**
 * Refuses a risk-flag-update that sets a flag whose review date has already
 * passed: the register would erase it at once, and a later query would find
 * nothing, with nobody told why. Most likely a typing slip, or an example
 * file sent long after it was written. MESSAGE_INVALID, naming each such
 * flag's path (never its value). Clearing a flag needs no future date.
 *
 * It depends on the clock, so intake runs it only for a message it has
 * claimed: a replay of one accepted yesterday gets its first answer.
 */
export function assertFlagReviewDatesAhead(record: { type: string; body: unknown }, now: Date): void {
  if (record.type !== 'risk-flag-update') return;
  // The record has passed its type's schema (the envelope opener parses it), so the body is a RiskFlagUpdateBody.
  const { flags } = record.body as RiskFlagUpdateBody;
  const issues = flags.flatMap((flag, position) =>
    flag.action === 'set' && reviewDeadline(flag.reviewDate) <= now.getTime() ? [{ path: `body.flags[${position}].reviewDate`, code: 'review_date_passed' }] : [],
  );
  if (issues.length > 0) throw new HubError('MESSAGE_INVALID', 'a flag is set with a review date that has already passed', { issues });
}
