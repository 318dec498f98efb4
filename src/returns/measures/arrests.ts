import { countActive, countEvents, countPeople, firstOnOrAfter, medianOver, percentOf, within } from '../figures.js';
import type { MeasureDefinition } from '../measure.js';
import type { Person } from '../person.js';

/** Catch and Convict: how often the cohort is arrested, and how fast an arrest becomes a charge. */
export const arrests: MeasureDefinition = {
  id: 'arrests',
  title: 'Share of the active cohort arrested',
  definition: 'People of the active cohort with at least one arrest dated in the period, as a share of the active cohort; and the number of arrests.',
  feeds: ['arrest-notification', 'ppo-status-change'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const active = countActive(context);
    const arrested = countPeople(context, 'people-arrested', 'People arrested', (person) => within(person.arrests, startDay, endDay).length > 0);
    return [active, arrested, countEvents(context, 'arrests', 'Arrests', (person) => within(person.arrests, startDay, endDay).length), percentOf('share-arrested', 'Share of the active cohort arrested', arrested, active)];
  },
};

/** The charge that followed an arrest: the person's first charge on or after the arrest day and before their next arrest. */
export function chargeAfter(person: Person, arrestIndex: number): number | undefined {
  const arrest = person.arrests[arrestIndex]!;
  return firstOnOrAfter(person.charges, arrest, person.arrests[arrestIndex + 1] ?? Number.POSITIVE_INFINITY);
}

export const arrestToCharge: MeasureDefinition = {
  id: 'arrest-to-charge',
  title: 'Arrest to charge',
  definition:
    "Arrests of the active cohort dated in the period; those charged within 28 days (the person's first charge on or after the arrest day and before their next arrest), as a share of the arrests; and the median days from arrest to charge over the arrests that were charged.",
  feeds: ['arrest-notification', 'charge-notification'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const delays = (person: Person) =>
      person.arrests.flatMap((day, index) => {
        if (day < startDay || day > endDay) return [];
        const charged = chargeAfter(person, index);
        return charged === undefined ? [] : [charged - day];
      });
    const total = countEvents(context, 'arrests', 'Arrests', (person) => within(person.arrests, startDay, endDay).length);
    const quick = countEvents(context, 'charged-within-28-days', 'Arrests charged within 28 days', (person) => delays(person).filter((days) => days <= 28).length);
    return [total, quick, percentOf('share-charged-within-28-days', 'Share of arrests charged within 28 days', quick, total), medianOver(context, 'median-days', 'Median days from arrest to charge', delays)];
  },
};

export const arrestToSentence: MeasureDefinition = {
  id: 'arrest-to-sentence',
  title: 'Arrest to sentence',
  definition:
    "Median days from an arrest of the active cohort dated in the period to the person's first sentence on or after it (Premium Service monitoring; the persistent young offender pledge was 71 days), over the arrests that reached a sentence.",
  feeds: ['arrest-notification', 'court-outcome'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const delays = (person: Person) =>
      within(person.arrests, startDay, endDay).flatMap((day) => {
        const sentence = person.court.find((event) => event.sentenced && event.day >= day);
        return sentence ? [sentence.day - day] : [];
      });
    const sentenced = countEvents(context, 'arrests-sentenced', 'Arrests that reached a sentence', (person) => delays(person).length);
    return [sentenced, medianOver(context, 'median-days', 'Median days from arrest to sentence', delays)];
  },
};
