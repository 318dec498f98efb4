import { describe, expect, it } from 'vitest';
import { outline, summarise, withheldPaths } from '../../scripts/demo/records.js';

describe('demo record views', () => {
  const sent = {
    subject: { name: { given: 'Alex', family: 'Testperson' }, identifiers: { pnc: '17/0345678V', crn: 'N482193' } },
    body: { releaseDate: '2026-12-04', risk: { riskOfSeriousHarm: 'medium' }, needs: { housing: { status: 'approved-premises' }, health: { gpRegistered: false } } },
  };
  const received = {
    subject: { name: { given: 'Alex', family: 'Testperson' }, identifiers: { crn: 'N482193' } },
    body: { releaseDate: '2026-12-04', needs: { housing: { status: 'approved-premises' } } },
  };

  it('names each field the recipient did not get, a missing object once', () => {
    expect(withheldPaths(sent, received)).toEqual(['subject.identifiers.pnc', 'body.risk', 'body.needs.health']);
    expect(withheldPaths(sent, sent)).toEqual([]);
  });

  it('outlines the keys received, with array lengths', () => {
    expect(outline(received.body)).toBe('releaseDate,needs{housing}');
    expect(outline({ offences: [1, 2], ppo: { status: 'selected' } })).toBe('offences[2],ppo{status}');
  });

  it('summarises only the values present in the record', () => {
    expect(summarise(sent)).toBe('Alex Testperson; release 2026-12-04; housing need: approved-premises; risk of serious harm medium');
    expect(summarise(received)).not.toContain('risk');
  });
});
