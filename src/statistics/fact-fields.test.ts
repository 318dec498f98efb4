import { describe, expect, it } from 'vitest';
import { factFieldsOf } from './fact-fields.js';

describe('factFieldsOf: the ledger refuses what a mistaken permit would let through', () => {
  it('keeps body codes and days, collecting array elements under their [] path', () => {
    const { fields, refused } = factFieldsOf({
      type: 'arrest-notification',
      purpose: 'scheme-performance-statistics',
      body: { arrestedAt: '2026-03-01', offences: [{ category: 'burglary' }, { category: 'theft' }], ppo: { status: 'selected' }, count: 3, flag: true },
    });
    expect(fields).toEqual({ 'body.arrestedAt': '2026-03-01', 'body.count': 3, 'body.flag': true, 'body.offences[].category': ['burglary', 'theft'], 'body.ppo.status': 'selected' });
    expect(refused).toEqual([]);
  });

  it('refuses free text, names, identifiers, times of day and anything outside the body', () => {
    const { fields, refused } = factFieldsOf({
      subject: { name: { given: 'Alex' }, identifiers: { pnc: '17/0345678V' } },
      actor: { id: 'PC1234' },
      body: { reason: 'Seen near the shop', wording: 'Alex Testperson', urn: '41NV0123425', at: '2026-03-01T10:00:00Z', ppo: { strand: 'catch-and-convict' }, big: 10_000_000, list: ['ok', 'Not a code'] },
    });
    expect(fields).toEqual({ 'body.ppo.strand': 'catch-and-convict' });
    expect(refused).toEqual(['actor.id', 'body.at', 'body.big', 'body.list', 'body.reason', 'body.urn', 'body.wording', 'subject.identifiers.pnc', 'subject.name.given']);
  });
});
