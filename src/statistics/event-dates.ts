/**
 * Where each message type says when its event happened. Measures count by
 * these dates, not by when the hub heard, so a late notice still lands in the
 * right period (and makes a later compilation a revision). A query has no
 * date of its own: it happens when it is sent, and so does a referral or a
 * flag change that does not say when it was made or agreed. Their event date
 * is the notification day.
 */
export const EVENT_DATE_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  'arrest-notification': 'body.arrestedAt',
  'charge-notification': 'body.chargedAt',
  'court-outcome': 'body.hearingDate',
  'custody-release': 'body.releaseDate',
  'ppo-status-change': 'body.effectiveDate',
  'needs-referral': 'body.referredOn',
  'risk-flag-update': 'body.agreedOn',
});

/** The message types that carry their event date in a field (the others are dated on notification). */
export function hasOwnEventDate(type: string): boolean {
  return Object.hasOwn(EVENT_DATE_FIELDS, type);
}
