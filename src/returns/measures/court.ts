import type { DerivedFigure } from '../cells.js';
import { isSelectedOn } from '../cohort.js';
import { countActive, countEvents, countPeople, firstOnOrAfter, medianOver, percentOf, rateOf, within } from '../figures.js';
import type { MeasureDefinition } from '../measure.js';
import type { Person } from '../person.js';

/** Catch and Convict at court: how fast charges are finished, who is convicted, who goes to custody. */
export const chargeToOutcome: MeasureDefinition = {
  id: 'charge-to-outcome',
  title: 'Charge to final outcome',
  definition:
    "Charges of the active cohort dated in the period; those with a final court outcome (a verdict of convicted, acquitted or withdrawn) within 42 days, the six-week benchmark for magistrates' courts, as a share of the charges; and the median days from charge to final outcome.",
  feeds: ['charge-notification', 'court-outcome'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const finals = (person: Person) => person.court.filter((event) => event.final).map((event) => event.day);
    const delays = (person: Person) =>
      within(person.charges, startDay, endDay).flatMap((day) => {
        const outcome = firstOnOrAfter(finals(person), day);
        return outcome === undefined ? [] : [outcome - day];
      });
    const charges = countEvents(context, 'charges', 'Charges', (person) => within(person.charges, startDay, endDay).length);
    const quick = countEvents(context, 'finalised-within-42-days', 'Charges with a final outcome within 42 days', (person) => delays(person).filter((days) => days <= 42).length);
    return [charges, quick, percentOf('share-finalised-within-42-days', 'Share of charges finalised within 42 days', quick, charges), medianOver(context, 'median-days', 'Median days from charge to final outcome', delays)];
  },
};

const hearingsIn = (person: Person, from: number, to: number) => person.court.filter((event) => event.day >= from && event.day <= to);

export const convictions: MeasureDefinition = {
  id: 'convictions',
  title: 'Proven re-offending',
  definition:
    'People of the active cohort convicted at a hearing dated in the period, as a share of the active cohort; and convictions (offences with a verdict of convicted) per head of the active cohort. By conviction date; the Police National Computer, by offence date, is authoritative.',
  feeds: ['court-outcome', 'ppo-status-change'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const active = countActive(context);
    const convicted = countPeople(context, 'people-convicted', 'People convicted', (person) => hearingsIn(person, startDay, endDay).some((event) => event.convictions > 0));
    const offences = countEvents(context, 'convictions', 'Convictions', (person) => hearingsIn(person, startDay, endDay).reduce((sum, event) => sum + event.convictions, 0));
    return [active, convicted, offences, percentOf('share-convicted', 'Share of the active cohort convicted', convicted, active), rateOf('convictions-per-head', 'Convictions per head', offences, active)];
  },
};

export const custodyRate: MeasureDefinition = {
  id: 'custody-rate',
  title: 'Custody rate',
  definition: 'Hearings in the period at which a person of the active cohort was convicted, and the share of them with an immediate custodial sentence (custody, or a detention and training order).',
  feeds: ['court-outcome'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const hearings = countEvents(context, 'conviction-hearings', 'Hearings with a conviction', (person) => hearingsIn(person, startDay, endDay).filter((event) => event.convictions > 0).length);
    const custody = countEvents(context, 'immediate-custody', 'Hearings with immediate custody', (person) => hearingsIn(person, startDay, endDay).filter((event) => event.convictions > 0 && event.custodial).length);
    return [hearings, custody, percentOf('custody-rate', 'Share with immediate custody', custody, hearings)];
  },
};

/**
 * NI 30 style: the convictions of a fixed cohort (selected on the period's
 * first day) in the period against the period before, as a change. Only
 * published on a cohort of 60 or more: on fewer, chance swamps any effect.
 */
export const reoffendingChange: MeasureDefinition = {
  id: 'reoffending-change',
  title: 'Change in convictions of the cohort (NI 30 style)',
  definition:
    "People selected on the period's first day (a fixed snapshot cohort); their convictions in the period (follow-up) against their convictions in the period of the same kind just before it (baseline), as a percentage change. The scheme's target is a fall of 10%. NI 30 used 12-month windows and a Police National Computer baseline.",
  feeds: ['court-outcome', 'ppo-status-change'],
  compute(context) {
    const { period, previous } = context;
    const cohort = context.people.filter((person) => isSelectedOn(person, period.startDay));
    const sum = (from: number, to: number) => cohort.reduce((total, person) => total + hearingsIn(person, from, to).reduce((s, event) => s + event.convictions, 0), 0);
    const baseline = sum(previous.startDay, previous.endDay);
    const followUp = sum(period.startDay, period.endDay);
    const change: DerivedFigure = {
      kind: 'derived',
      metric: 'change',
      label: 'Change in convictions',
      unit: 'percent',
      scheme: { value: baseline === 0 ? undefined : (100 * (followUp - baseline)) / baseline, numerator: 'follow-up-convictions', denominator: 'baseline-convictions', comparisonCohort: cohort.length },
    };
    return [
      { kind: 'count', metric: 'cohort', label: 'Snapshot cohort', unit: 'people', scheme: cohort.length },
      { kind: 'count', metric: 'baseline-convictions', label: 'Convictions in the baseline period', unit: 'events', scheme: baseline },
      { kind: 'count', metric: 'follow-up-convictions', label: 'Convictions in the period', unit: 'events', scheme: followUp },
      change,
    ];
  },
};
