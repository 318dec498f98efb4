import { describe, expect, it } from 'vitest';
import { compileCondition, type MatchContext } from './conditions.js';
import type { ConditionSpec } from './rule-schema.js';

const record = {
  type: 'arrest-notification',
  subject: { dateOfBirth: '2010-06-01', category: 'suspect' },
  body: {
    custodyStatus: 'in-custody',
    victimCount: 2,
    arrestedAt: '2026-11-20T02:40:00Z',
    offences: [
      { code: 'TH68010', category: 'burglary', committedOn: '2026-11-19' },
      { code: 'TH68062', category: 'acquisitive' },
    ],
    empty: null,
  },
};
const context = (age: number | undefined): MatchContext => ({ now: new Date('2026-11-25T12:00:00Z'), subjectAge: () => age });
const holds = (spec: ConditionSpec, age: number | null = 16) => compileCondition(spec)(record, context(age ?? undefined));

describe('condition matchers', () => {
  it('equals compares strictly, and over arrays any element may match', () => {
    expect(holds({ path: 'body.custodyStatus', equals: 'in-custody' })).toBe(true);
    expect(holds({ path: 'body.custodyStatus', equals: 'charged' })).toBe(false);
    expect(holds({ path: 'body.victimCount', equals: '2' })).toBe(false);
    expect(holds({ path: 'body.offences[].category', equals: 'acquisitive' })).toBe(true);
    expect(holds({ path: 'body.missing', equals: 'x' })).toBe(false);
  });

  it('in matches any listed value', () => {
    expect(holds({ path: 'body.offences[].category', in: ['robbery', 'burglary'] })).toBe(true);
    expect(holds({ path: 'body.offences[].category', in: ['robbery', 'violence'] })).toBe(false);
  });

  it('exists treats absent and null alike', () => {
    expect(holds({ path: 'body.offences[].committedOn', exists: true })).toBe(true);
    expect(holds({ path: 'body.empty', exists: true })).toBe(false);
    expect(holds({ path: 'body.empty', exists: false })).toBe(true);
    expect(holds({ path: 'body.custodyStatus', exists: false })).toBe(false);
  });

  it('range is inclusive and only reads numbers', () => {
    expect(holds({ path: 'body.victimCount', range: { min: 2, max: 2 } })).toBe(true);
    expect(holds({ path: 'body.victimCount', range: { min: 3 } })).toBe(false);
    expect(holds({ path: 'body.victimCount', range: { max: 1 } })).toBe(false);
    expect(holds({ path: 'body.custodyStatus', range: { min: 0 } })).toBe(false);
  });

  it('dateRange reads dates and date-times; a date-only `to` includes that whole day', () => {
    expect(holds({ path: 'body.arrestedAt', dateRange: { from: '2026-11-20', to: '2026-11-20' } })).toBe(true);
    expect(holds({ path: 'body.arrestedAt', dateRange: { from: '2026-11-21' } })).toBe(false);
    expect(holds({ path: 'body.arrestedAt', dateRange: { to: '2026-11-20T02:00:00Z' } })).toBe(false);
    expect(holds({ path: 'body.offences[].committedOn', dateRange: { from: '2026-11-01', to: '2026-11-30' } })).toBe(true);
    expect(holds({ path: 'body.custodyStatus', dateRange: { from: '2000-01-01' } })).toBe(false);
  });

  it('subjectAge bounds are inclusive and an unknown age never matches', () => {
    expect(holds({ subjectAge: { max: 17 } }, 17)).toBe(true);
    expect(holds({ subjectAge: { max: 17 } }, 18)).toBe(false);
    expect(holds({ subjectAge: { min: 18 } }, 18)).toBe(true);
    expect(holds({ subjectAge: { min: 10, max: 17 } }, 9)).toBe(false);
    expect(holds({ subjectAge: { min: 0 } }, null)).toBe(false);
  });
});
