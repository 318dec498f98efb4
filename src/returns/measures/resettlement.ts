import type { CountFigure } from '../cells.js';
import { countActive, countEvents, countPeople, percentOf, rateOf, within } from '../figures.js';
import type { MeasureDefinition } from '../measure.js';
import type { Person } from '../person.js';

/** Rehabilitate and Resettle: what happens around a release, the needs met, and whether risk is kept current. */
export const releaseFollowUp: MeasureDefinition = {
  id: 'release-follow-up',
  title: 'After release',
  definition:
    'Releases of the active cohort dated in the period; the share with a needs referral in the 28 days either side of the release day; and the shares re-arrested within 28 and within 90 days after it (later arrests may still be notified, so recent quarters are revised).',
  feeds: ['custody-release', 'needs-referral', 'arrest-notification'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const releases = (person: Person) => within(person.releases, startDay, endDay);
    const withReferral = (person: Person) => releases(person).filter((day) => person.referrals.some((referral) => Math.abs(referral.day - day) <= 28)).length;
    const rearrested = (days: number) => (person: Person) => releases(person).filter((day) => person.arrests.some((arrest) => arrest > day && arrest - day <= days)).length;
    const total = countEvents(context, 'releases', 'Releases', (person) => releases(person).length);
    const referred = countEvents(context, 'referred-within-28-days', 'Releases with a needs referral within 28 days', withReferral);
    const rearrested28 = countEvents(context, 'rearrested-within-28-days', 'Releases followed by an arrest within 28 days', rearrested(28));
    const rearrested90 = countEvents(context, 'rearrested-within-90-days', 'Releases followed by an arrest within 90 days', rearrested(90));
    return [
      total,
      referred,
      rearrested28,
      rearrested90,
      percentOf('share-referred-within-28-days', 'Share with a needs referral within 28 days', referred, total),
      percentOf('share-rearrested-within-28-days', 'Share re-arrested within 28 days', rearrested28, total),
      percentOf('share-rearrested-within-90-days', 'Share re-arrested within 90 days', rearrested90, total),
    ];
  },
};

export const PATHWAYS = ['housing', 'education', 'substance-misuse'] as const;

export const needsReferrals: MeasureDefinition = {
  id: 'needs-referrals',
  title: 'Needs referrals by pathway',
  definition: 'Needs referrals about the active cohort sent in the period, by pathway (accommodation, education training and employment, substance misuse), and referrals per head of the active cohort.',
  feeds: ['needs-referral', 'ppo-status-change'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const inPeriod = (person: Person) => person.referrals.filter((referral) => referral.day >= startDay && referral.day <= endDay);
    const active = countActive(context);
    const all = countEvents(context, 'referrals', 'Referrals', (person) => inPeriod(person).length);
    const byPathway: CountFigure = {
      ...all,
      breakdown: { dimension: 'pathway', categories: PATHWAYS.map((need) => ({ category: need, value: context.active.reduce((sum, entry) => sum + inPeriod(entry.person).filter((referral) => referral.need === need).length, 0) })) },
    };
    return [active, byPathway, rateOf('referrals-per-head', 'Referrals per head', all, active)];
  },
};

export const riskFlagCurrency: MeasureDefinition = {
  id: 'risk-flag-currency',
  title: 'Risk flags reviewed',
  definition: "People of the active cohort with a risk-flag update in the 90 days up to the period's end, as a share of the active cohort; and the number of updates in the period.",
  feeds: ['risk-flag-update', 'ppo-status-change'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const active = countActive(context);
    const reviewed = countPeople(context, 'people-reviewed-in-90-days', 'People with a flag reviewed in the last 90 days', (person) => within(person.flagUpdates, endDay - 89, endDay).length > 0);
    return [active, reviewed, countEvents(context, 'updates', 'Flag updates', (person) => within(person.flagUpdates, startDay, endDay).length), percentOf('share-reviewed-in-90-days', 'Share reviewed in the last 90 days', reviewed, active)];
  },
};
