import { childIn, wasOnStrandIn } from '../cohort.js';
import type { MeasureDefinition } from '../measure.js';

/**
 * Prevent and Deter: the children worked with, how many reached a first
 * charge (a proxy for first-time entrants; the Youth Justice Board's and the
 * Police National Computer's figures are authoritative), and escalations to
 * Catch and Convict.
 */
export const preventAndDeter: MeasureDefinition = {
  id: 'prevent-and-deter',
  title: 'Prevent and Deter',
  definition:
    "Children on the Prevent and Deter strand on at least one day of the period (under 18 by a fact recorded in the period, or by the last one before it); of them, those whose first charge the hub has ever seen is dated in the period; and people moved from Prevent and Deter to Catch and Convict in the period.",
  feeds: ['ppo-status-change', 'charge-notification'],
  compute(context) {
    const { period } = context;
    const children = context.people.filter((person) => wasOnStrandIn(person, period, 'prevent-and-deter') && childIn(person, period));
    const firstCharged = children.filter((person) => person.firstCharge !== undefined && person.firstCharge >= period.startDay && person.firstCharge <= period.endDay);
    const escalated = context.people.filter((person) =>
      person.status.some((event, index) => event.day >= period.startDay && event.day <= period.endDay && event.strand === 'catch-and-convict' && person.status[index - 1]?.strand === 'prevent-and-deter'),
    );
    return [
      { kind: 'count', metric: 'active-children', label: 'Children active on Prevent and Deter', unit: 'people', scheme: children.length },
      { kind: 'count', metric: 'first-charge', label: 'Children with a first charge', unit: 'people', scheme: firstCharged.length },
      { kind: 'count', metric: 'escalations', label: 'Moved to Catch and Convict', unit: 'people', scheme: escalated.length },
    ];
  },
};
