import type { CountFigure } from '../cells.js';
import { inCustodyOn, isSelectedOn, selectedSince } from '../cohort.js';
import { countPeople, medianOver } from '../figures.js';
import type { MeasureDefinition } from '../measure.js';

/** The cohort at the period's end, and who joined and left it (the SPF's "Measure 1 - Current PPO status"). */
export const cohortStatus: MeasureDefinition = {
  id: 'cohort-status',
  title: 'Cohort at the end of the period',
  definition:
    'People selected at any time in the period (the active cohort), by where they stood on its last day: in custody (remanded or sentenced to immediate custody and not released since), in the community, or deselected during the period; and by strand.',
  feeds: ['ppo-status-change', 'charge-notification', 'court-outcome', 'custody-release'],
  compute(context) {
    const end = context.period.endDay;
    const standing = (person: Parameters<typeof isSelectedOn>[0]) => (!isSelectedOn(person, end) ? 'deselected' : inCustodyOn(person, end) ? 'custody' : 'community');
    const cohort = countPeople(context, 'people', 'People in the cohort', () => true);
    const categories = ['community', 'custody', 'deselected'].map((category) => ({ category, value: context.active.filter((entry) => standing(entry.person) === category).length }));
    const byStatus: CountFigure = { ...cohort, breakdown: { dimension: 'status', categories } };
    return [byStatus];
  },
};

export const cohortFlow: MeasureDefinition = {
  id: 'cohort-flow',
  title: 'Selections and deselections',
  definition:
    'People selected onto the scheme in the period (a status change to selected, effective in the period, from any other status) and people deselected in it; and the median days on the scheme of the active cohort, from the selection in force to the end of the period or to deselection.',
  feeds: ['ppo-status-change'],
  compute(context) {
    const { startDay, endDay } = context.period;
    const joined = (person: Parameters<typeof isSelectedOn>[0]) =>
      person.status.some((event, index) => event.status === 'selected' && event.day >= startDay && event.day <= endDay && person.status[index - 1]?.status !== 'selected');
    const left = (person: Parameters<typeof isSelectedOn>[0]) => person.status.some((event) => event.status === 'deselected' && event.day >= startDay && event.day <= endDay);
    return [
      countPeople(context, 'selections', 'People selected', joined),
      countPeople(context, 'deselections', 'People deselected', left),
      medianOver(context, 'median-days-on-scheme', 'Median days on the scheme', (person) => {
        const lastDay = isSelectedOn(person, endDay) ? endDay : (person.status.filter((event) => event.day <= endDay && event.status !== 'selected').at(-1)?.day ?? endDay);
        const since = selectedSince(person, isSelectedOn(person, endDay) ? endDay : lastDay - 1);
        return since === undefined ? [] : [lastDay - since];
      }),
    ];
  },
};
