import { describe, expect, it } from 'vitest';
import { planYear } from '../../scripts/demo/year-plan.js';

describe('demo:year plan', () => {
  const today = Math.floor(Date.parse('2026-12-04T00:00:00Z') / 86_400_000);

  it('is the same year for the same day: 40 adult PPOs and 15 young people on Prevent and Deter', () => {
    const plan = planYear(today);
    expect(planYear(today)).toEqual(plan);
    expect(plan.filter((person) => !person.child)).toHaveLength(40);
    expect(plan.filter((person) => person.child && person.strand === 'prevent-and-deter')).toHaveLength(15);
  });

  it('dates every event within the scheme, none after today, and most of them across the last 12 months', () => {
    const events = planYear(today).flatMap((person) => person.events.filter((event) => event.kind !== 'select'));
    expect(events.every((event) => event.day <= today)).toBe(true);
    expect(events.filter((event) => event.day >= today - 365).length / events.length).toBeGreaterThan(0.95);
    for (const kind of ['arrest', 'charge', 'court', 'release', 'referral', 'deselect', 'flag-update', 'query']) expect(events.some((event) => event.kind === kind), kind).toBe(true);
    // Spread across the year, not bunched: every quarter of it has arrests.
    for (let quarter = 0; quarter < 4; quarter += 1) {
      expect(events.some((event) => event.kind === 'arrest' && event.day > today - 365 + quarter * 91 && event.day <= today - 365 + (quarter + 1) * 91), `quarter ${quarter}`).toBe(true);
    }
  });
});
