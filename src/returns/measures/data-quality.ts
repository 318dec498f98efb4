import type { DerivedFigure } from '../cells.js';
import { median } from '../days.js';
import { firstOnOrAfter } from '../figures.js';
import type { MeasureDefinition } from '../measure.js';

/**
 * Timeliness and data quality: how late partners tell the hub, by message
 * type and by agency (court results were due to the police within three
 * working days), and charges the hub saw with no arrest before them.
 */
export const notificationLag: MeasureDefinition = {
  id: 'notification-lag',
  title: 'Timeliness and data quality',
  definition:
    'Median days from the event (arrest, charge, hearing, release, status change) to the day the hub was told, over every such fact dated in the period, by message type and by sending agency; and charges dated in the period with no arrest of the same person in the 90 days before (orphans).',
  feeds: ['arrest-notification', 'charge-notification', 'court-outcome', 'custody-release', 'ppo-status-change'],
  compute(context) {
    const { lagByType, lagByAgency } = context.timeliness;
    const medians = (map: Map<string, number[]>, dimension: string, metric: string, label: string): DerivedFigure => {
      const all = [...map.values()].flat();
      return {
        kind: 'derived',
        metric,
        label,
        unit: 'days',
        scheme: { value: median(all), values: all.length },
        breakdown: { dimension, categories: [...map.keys()].sort().map((category) => ({ category, value: median(map.get(category)!), values: map.get(category)!.length })) },
      };
    };
    const { startDay, endDay } = context.period;
    let orphans = 0;
    let charges = 0;
    for (const person of context.people) {
      for (const day of person.charges) {
        if (day < startDay || day > endDay) continue;
        charges += 1;
        if (firstOnOrAfter(person.arrests, day - 90, day + 1) === undefined) orphans += 1;
      }
    }
    return [
      medians(lagByType, 'type', 'median-lag-by-type', 'Median days to notification, by message type'),
      medians(lagByAgency, 'agency', 'median-lag-by-agency', 'Median days to notification, by agency'),
      { kind: 'count', metric: 'charges', label: 'Charges (everyone the hub saw)', unit: 'events', scheme: charges },
      { kind: 'count', metric: 'orphan-charges', label: 'Charges with no arrest in the 90 days before', unit: 'events', scheme: orphans },
    ];
  },
};
