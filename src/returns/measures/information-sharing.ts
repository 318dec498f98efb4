import type { CountFigure } from '../cells.js';
import { countEvents, percentOf, rateOf, within } from '../figures.js';
import type { MeasureDefinition } from '../measure.js';
import type { Person } from '../person.js';

/** Whether partners use what the hub shares: risk-flag questions, and how soon after an arrest. */
export const informationSharing: MeasureDefinition = {
  id: 'information-sharing',
  title: 'Queries per arrest',
  definition:
    'Risk-flag queries about the active cohort answered in the period, by asking agency; queries per arrest; and the share of arrests with a query on the arrest day or the day after (dates are kept to the day, so this stands for "within 24 hours").',
  feeds: ['risk-flag-query', 'arrest-notification'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const queries = (person: Person) => person.queries.filter((query) => query.day >= startDay && query.day <= endDay);
    const agencies = [...new Set(context.active.flatMap((entry) => queries(entry.person).map((query) => query.agency)))].sort();
    const all = countEvents(context, 'queries', 'Queries', (person) => queries(person).length);
    const byAgency: CountFigure = {
      ...all,
      breakdown: { dimension: 'agency', categories: agencies.map((agency) => ({ category: agency, value: context.active.reduce((sum, entry) => sum + queries(entry.person).filter((query) => query.agency === agency).length, 0) })) },
    };
    const arrests = countEvents(context, 'arrests', 'Arrests', (person) => within(person.arrests, startDay, endDay).length);
    const prompt = countEvents(context, 'arrests-with-prompt-query', 'Arrests with a query by the next day', (person) =>
      within(person.arrests, startDay, endDay).filter((day) => person.queries.some((query) => query.day >= day && query.day <= day + 1)).length,
    );
    return [byAgency, arrests, prompt, rateOf('queries-per-arrest', 'Queries per arrest', all, arrests), percentOf('share-arrests-with-prompt-query', 'Share of arrests with a query by the next day', prompt, arrests)];
  },
};
