import { describe, expect, it } from 'vitest';
import { decodeFact, decodeLedgerFact, encodeFact, fieldOf, fieldValues, type NewFact } from './fact.js';

const fact: NewFact = {
  keys: ['a'.repeat(64), 'b'.repeat(64)],
  type: 'court-outcome',
  eventDate: '2026-03-01',
  notifiedDate: '2026-03-04',
  agency: 'nv-courts',
  child: true,
  retainUntil: '2029-03-04',
  fields: { 'body.hearingDate': '2026-03-01', 'body.outcomes[].verdict': ['convicted', 'adjourned'], 'body.count': 3, 'body.flag': false, 'body.sentence.type': 'immediate-custody', 'body.type': 'x' },
};

describe('a ledger line read back', () => {
  it('gives back every member, and each field read on its own is the value the parsed fields hold', () => {
    const line = encodeFact(42, 'msg_one', fact);
    const { fact: read, messageId } = decodeFact(line);
    expect(messageId).toBe('msg_one');
    expect(JSON.parse(JSON.stringify(read))).toEqual({ seq: 42, ...fact });
    for (const path of [...Object.keys(fact.fields), 'body.sentence', 'type', 'body.missing', 'sentence.type']) {
      const alone = decodeLedgerFact(line);
      expect([fieldOf(alone, path), fieldValues(alone, path)]).toEqual([fieldOf(read, path), fieldValues(read, path)]);
    }
    expect(fieldOf(decodeLedgerFact(line), 'body.type')).toBe('x');
    expect(fieldOf(decodeLedgerFact(line), 'body.count')).toBe(3);
  });

  it('reads a fact with no fields and a single key', () => {
    const line = encodeFact(7, 'msg_two', { ...fact, keys: ['c'.repeat(64)], fields: {} });
    const read = decodeLedgerFact(line);
    expect([read.seq, read.keys, read.fields, fieldOf(read, 'body.status'), fieldValues(read, 'body.status')]).toEqual([7, ['c'.repeat(64)], {}, undefined, []]);
  });

  it('tells apart message types of the same length and the same first, middle and last letters', () => {
    const types = ['aq-zc', 'ar-zc', 'aq-zc', 'as-zc', 'ar-zc', 'a', '', 'ar-zcc'];
    const read = types.map((type, index) => decodeLedgerFact(encodeFact(index + 1, `msg_${index}`, { ...fact, type })).type);
    expect(read).toEqual(types);
  });
});
