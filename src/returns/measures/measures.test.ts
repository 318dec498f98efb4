import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileMeasures } from '../compile-return.js';
import type { DisclosureRules } from '../disclosure-rules.js';
import { parsePeriod } from '../period.js';
import { cellOf } from '../test-cells.js';
import { FactLog } from '../test-facts.js';
import { MEASURES } from './index.js';

/**
 * Each measure on its edge cases: no events, a single person, events on the
 * period's first and last days and just outside, a deselection in the middle
 * of the period, and a child turning 18. Disclosure control is switched off
 * here (every count shown) so the raw figures can be checked; it has its own
 * tests.
 */
const RAW: DisclosureRules = { suppressBelow: 1, minDenominator: 1, minMedianValues: 1, minComparisonCohort: 1 };
const Q1 = parsePeriod('2026-Q1');

async function compile(log: FactLog, period = Q1) {
  return compileMeasures(log.facts, period, RAW);
}
const value = async (log: FactLog, measure: string, metric: string, breakdown = 'all', period = Q1) => cellOf(await compile(log, period), measure, metric, breakdown).value;

describe('every measure', () => {
  it('has an id, a title, a definition and the message types that feed it; there are at least 12', () => {
    expect(MEASURES.length).toBeGreaterThanOrEqual(12);
    for (const measure of MEASURES) {
      expect(measure.id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(measure.title.length).toBeGreaterThan(3);
      expect(measure.definition.length).toBeGreaterThan(40);
      expect(measure.feeds.length).toBeGreaterThan(0);
    }
    expect(new Set(MEASURES.map((measure) => measure.id)).size).toBe(MEASURES.length);
  });

  it('is listed in docs/returns.md with its id and the types that feed it', () => {
    const doc = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/returns.md'), 'utf8');
    for (const measure of MEASURES) expect(doc, measure.id).toContain(`| \`${measure.id}\` |`);
  });

  it('with no events: counts are 0 and derived figures are not applicable, never NaN', async () => {
    const measures = await compile(new FactLog());
    for (const measure of measures) {
      for (const cell of measure.cells) {
        if (cell.unit === 'people' || cell.unit === 'events') expect(cell.value, `${measure.id}.${cell.metric}`).toBe(0);
        else expect(cell.display, `${measure.id}.${cell.metric}`).toBe('[z]');
      }
    }
  });
});

describe('cohort-status and cohort-flow', () => {
  it('a single person selected before the period is in the community at its end', async () => {
    const log = new FactLog().select('p1', '2025-11-01');
    expect(await value(log, 'cohort-status', 'people')).toBe(1);
    expect(await value(log, 'cohort-status', 'people', 'status=community')).toBe(1);
    expect(await value(log, 'cohort-status', 'people', 'strand=catch-and-convict')).toBe(1);
    expect(await value(log, 'cohort-flow', 'selections')).toBe(0);
    expect(await value(log, 'cohort-flow', 'median-days-on-scheme')).toBe(Q1.endDay - Date.parse('2025-11-01') / 86_400_000);
  });

  it('period boundaries: selected on the last day counts; selected the day after does not; deselected the day before the period is not active', async () => {
    const log = new FactLog().select('last-day', '2026-03-31').select('day-after', '2026-04-01').select('gone', '2025-06-01').deselect('gone', '2025-12-31');
    expect(await value(log, 'cohort-status', 'people')).toBe(1);
    expect(await value(log, 'cohort-flow', 'selections')).toBe(1);
    expect(await value(log, 'cohort-flow', 'deselections')).toBe(0);
  });

  it('deselection in the middle of the period: active, counted as deselected at the end, and a deselection', async () => {
    const log = new FactLog().select('p1', '2025-10-01').deselect('p1', '2026-02-15');
    expect(await value(log, 'cohort-status', 'people')).toBe(1);
    expect(await value(log, 'cohort-status', 'people', 'status=deselected')).toBe(1);
    expect(await value(log, 'cohort-flow', 'deselections')).toBe(1);
    expect(await value(log, 'cohort-flow', 'median-days-on-scheme')).toBe(137);
  });

  it('custody at the end: remanded in the period and not released; released before the end is back in the community', async () => {
    const log = new FactLog().select('held', '2025-10-01').charge('held', '2026-03-10', { remanded: true }).select('out', '2025-10-01').court('out', '2026-01-05', ['convicted'], 'immediate-custody').release('out', '2026-03-01');
    expect(await value(log, 'cohort-status', 'people', 'status=custody')).toBe(1);
    expect(await value(log, 'cohort-status', 'people', 'status=community')).toBe(1);
  });
});

describe('arrests and arrest-to-charge', () => {
  it('counts arrests by event date, not by notification date, and only of the active cohort', async () => {
    const log = new FactLog().select('p1', '2025-10-01').arrest('p1', '2026-03-31', '2026-04-20').arrest('p1', '2025-12-31').arrest('not-a-ppo', '2026-02-01');
    expect(await value(log, 'arrests', 'arrests')).toBe(1);
    expect(await value(log, 'arrests', 'people-arrested')).toBe(1);
    expect(await value(log, 'arrests', 'share-arrested')).toBe(100);
  });

  it('charge within 28 days, on day 29, and none; the median over the charged arrests', async () => {
    const log = new FactLog()
      .select('a', '2025-10-01').arrest('a', '2026-01-10').charge('a', '2026-01-12')
      .select('b', '2025-10-01').arrest('b', '2026-02-01').charge('b', '2026-03-02')
      .select('c', '2025-10-01').arrest('c', '2026-03-01');
    expect(await value(log, 'arrest-to-charge', 'arrests')).toBe(3);
    expect(await value(log, 'arrest-to-charge', 'charged-within-28-days')).toBe(1);
    expect(await value(log, 'arrest-to-charge', 'median-days')).toBe(15.5);
    expect(await value(log, 'arrest-to-charge', 'share-charged-within-28-days')).toBe(33.3);
  });

  it('a charge belongs to the latest arrest before it, not to an earlier one', async () => {
    const log = new FactLog().select('a', '2025-10-01').arrest('a', '2026-01-01').arrest('a', '2026-01-20').charge('a', '2026-01-21');
    expect(await value(log, 'arrest-to-charge', 'charged-within-28-days')).toBe(1);
  });

  it('arrest to sentence: days to the first sentence on or after the arrest', async () => {
    const log = new FactLog().select('a', '2025-10-01').arrest('a', '2026-01-01').court('a', '2026-02-01', ['adjourned']).court('a', '2026-03-12', ['convicted'], 'community-order');
    expect(await value(log, 'arrest-to-sentence', 'median-days')).toBe(70);
  });
});

describe('court measures', () => {
  it('charge to final outcome skips adjournments; within 42 days', async () => {
    const log = new FactLog().select('a', '2025-10-01').charge('a', '2026-01-01').court('a', '2026-01-10', ['adjourned']).court('a', '2026-02-11', ['convicted'], 'fine');
    expect(await value(log, 'charge-to-outcome', 'median-days')).toBe(41);
    expect(await value(log, 'charge-to-outcome', 'finalised-within-42-days')).toBe(1);
  });

  it('convictions per head and custody rate', async () => {
    const log = new FactLog()
      .select('a', '2025-10-01').court('a', '2026-02-01', ['convicted', 'convicted'], 'immediate-custody')
      .select('b', '2025-10-01').court('b', '2026-02-01', ['acquitted'])
      .select('c', '2025-10-01').court('c', '2026-04-01', ['convicted'], 'fine');
    expect(await value(log, 'convictions', 'people-convicted')).toBe(1);
    expect(await value(log, 'convictions', 'convictions')).toBe(2);
    expect(await value(log, 'convictions', 'convictions-per-head')).toBe(0.67);
    expect(await value(log, 'custody-rate', 'conviction-hearings')).toBe(1);
    expect(await value(log, 'custody-rate', 'custody-rate')).toBe(100);
  });

  it('reoffending change compares the snapshot cohort with the period before; not shown under the cohort minimum', async () => {
    const log = new FactLog().select('a', '2025-09-01').court('a', '2025-11-01', ['convicted', 'convicted']).court('a', '2026-02-01', ['convicted']).select('late', '2026-02-01').court('late', '2026-03-01', ['convicted']);
    expect(await value(log, 'reoffending-change', 'cohort')).toBe(1);
    expect(await value(log, 'reoffending-change', 'baseline-convictions')).toBe(2);
    expect(await value(log, 'reoffending-change', 'follow-up-convictions')).toBe(1);
    expect(await value(log, 'reoffending-change', 'change')).toBe(-50);
    const guarded = await compileMeasures(log.facts, Q1, { ...RAW, minComparisonCohort: 60 });
    expect(cellOf(guarded, 'reoffending-change', 'change')).toMatchObject({ value: null, display: '[x]' });
  });
});

describe('resettlement measures', () => {
  it('after release: a referral 28 days before counts, 29 days does not; re-arrest within 28 and 90 days', async () => {
    const log = new FactLog()
      .select('a', '2025-10-01').referral('a', '2026-01-04', 'housing').release('a', '2026-02-01').arrest('a', '2026-04-15')
      .select('b', '2025-10-01').referral('b', '2026-01-03', 'housing').release('b', '2026-02-01').arrest('b', '2026-02-20');
    expect(await value(log, 'release-follow-up', 'releases')).toBe(2);
    expect(await value(log, 'release-follow-up', 'referred-within-28-days')).toBe(1);
    expect(await value(log, 'release-follow-up', 'rearrested-within-28-days')).toBe(1);
    expect(await value(log, 'release-follow-up', 'rearrested-within-90-days')).toBe(2);
  });

  it('needs referrals by pathway add up to the total', async () => {
    const log = new FactLog().select('a', '2025-10-01').referral('a', '2026-01-04', 'housing').referral('a', '2026-02-04', 'substance-misuse').referral('a', '2026-04-04', 'education');
    expect(await value(log, 'needs-referrals', 'referrals')).toBe(2);
    expect(await value(log, 'needs-referrals', 'referrals', 'pathway=housing')).toBe(1);
    expect(await value(log, 'needs-referrals', 'referrals', 'pathway=education')).toBe(0);
    expect(await value(log, 'needs-referrals', 'referrals-per-head')).toBe(2);
  });

  it('risk flags reviewed in the 90 days up to the end, the boundary day included', async () => {
    const log = new FactLog().select('a', '2025-10-01').flagUpdate('a', '2026-01-01').select('b', '2025-10-01').flagUpdate('b', '2025-12-31');
    expect(await value(log, 'risk-flag-currency', 'people-reviewed-in-90-days')).toBe(1);
    expect(await value(log, 'risk-flag-currency', 'updates')).toBe(1);
  });
});

describe('information sharing, Prevent and Deter, data quality', () => {
  it('queries by agency, per arrest, and arrests with a query by the next day', async () => {
    const log = new FactLog().select('a', '2025-10-01').arrest('a', '2026-01-10').query('a', '2026-01-11', 'nv-probation').query('a', '2026-01-20', 'nv-yot');
    expect(await value(log, 'information-sharing', 'queries')).toBe(2);
    expect(await value(log, 'information-sharing', 'queries', 'agency=nv-probation')).toBe(1);
    expect(await value(log, 'information-sharing', 'queries-per-arrest')).toBe(2);
    expect(await value(log, 'information-sharing', 'arrests-with-prompt-query')).toBe(1);
  });

  it('a child turning 18 in the period (a child when selected, an adult by February) counts as a child in it, and not in the next one', async () => {
    const log = new FactLog().add('kid', 'ppo-status-change', '2025-11-01', { 'body.status': 'selected', 'body.strand': 'prevent-and-deter' }, { child: true }).add('kid', 'needs-referral', '2026-02-10', { 'body.need': 'education' }, { child: false });
    expect(await value(log, 'prevent-and-deter', 'active-children')).toBe(1);
    expect(await value(log, 'prevent-and-deter', 'active-children', 'all', parsePeriod('2026-Q2'))).toBe(0);
  });

  it('first charge: only the first ever seen, in the period; escalation to Catch and Convict', async () => {
    const log = new FactLog()
      .select('kid', '2025-11-01', 'prevent-and-deter', { child: true }).charge('kid', '2026-02-01', { child: true })
      .select('older', '2025-11-01', 'prevent-and-deter', { child: true }).charge('older', '2025-12-01', { child: true }).charge('older', '2026-02-01', { child: true })
      .select('older', '2026-03-01', 'catch-and-convict', { previous: 'selected' });
    expect(await value(log, 'prevent-and-deter', 'active-children')).toBe(2);
    expect(await value(log, 'prevent-and-deter', 'first-charge')).toBe(1);
    expect(await value(log, 'prevent-and-deter', 'escalations')).toBe(1);
  });

  it('notification lag by type and agency, and orphan charges', async () => {
    const log = new FactLog().arrest('a', '2026-01-10', '2026-01-12').charge('a', '2026-01-11', { notified: '2026-01-11' }).charge('b', '2026-02-01', { notified: '2026-02-05' });
    expect(await value(log, 'notification-lag', 'median-lag-by-type', 'type=arrest-notification')).toBe(2);
    expect(await value(log, 'notification-lag', 'median-lag-by-type', 'type=charge-notification')).toBe(2);
    expect(await value(log, 'notification-lag', 'median-lag-by-agency', 'agency=nv-police')).toBe(2);
    expect(await value(log, 'notification-lag', 'orphan-charges')).toBe(1);
  });

  it('two subject keys on one fact are one person', async () => {
    const log = new FactLog().select('p1', '2025-10-01').arrest('p1-crn', '2026-01-10');
    log.facts.push({ ...log.facts[0]!, seq: 3, keys: [log.facts[0]!.keys[0]!, log.facts[1]!.keys[0]!], type: 'needs-referral', fields: { 'body.need': 'housing' }, eventDate: '2026-01-11', notifiedDate: '2026-01-11' });
    expect(await value(log, 'arrests', 'people-arrested')).toBe(1);
  });
});
