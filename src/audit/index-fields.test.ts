import { describe, expect, it } from 'vitest';
import { finalEntry, auditEntryInputSchema, type AuditEntryInput } from './entry.js';
import { readIndexFields } from './index-fields.js';
import { forEachIndexOf } from './index-membership.js';
import { syntheticAuditInput } from './bulk-load.js';
import { canonicalJson } from './verify/canonical-json.js';

/**
 * Full verification reads the index members of an entry inside a signed
 * checkpoint without JSON.parse; whatever the entry holds, the indexes it is
 * found to belong to and its time must be exactly those JSON.parse gives.
 */
function indexesOf(text: string, signed: boolean): { indexes: string[]; time: unknown } {
  const fields = readIndexFields(text, signed);
  const indexes: string[] = [];
  forEachIndexOf(fields, (kind, value) => indexes.push(`${kind}:${value}`));
  return { indexes, time: fields.time };
}

const stored = (input: AuditEntryInput, seq = 7) => canonicalJson(finalEntry(auditEntryInputSchema.parse(input), seq, 'ae_0000000000000000000007', '2026-12-06T21:00:00.123Z'));

const entries: Array<[string, string]> = [
  ['a synthetic entry', stored(syntheticAuditInput(12))],
  ['one without actor, purpose or decision', stored({ event: 'delivered', agency: 'nv-police', recipients: [] })],
  ['several subjects and recipients, one recipient the acting agency', stored({ event: 'disclosure', agency: 'nv-police', subjectKeys: ['a'.repeat(64), 'b'.repeat(64)], recipients: ['nv-police', 'nv-housing'] })],
  ['a reason with quotes, braces and a backslash', stored({ event: 'refusal', agency: 'nv-police', reason: 'refused: "{x}" \\ [y]', decision: 'deny' })],
  ['a reason with braces only', stored({ event: 'refusal', agency: 'nv-police', reason: 'the {record} was [withheld]', decision: 'deny' })],
  ['field paths with brackets', stored({ event: 'disclosure', agency: 'nv-police', fieldsDisclosed: ['items[0].name', 'a]b'], recipients: ['nv-housing'] })],
  ['non-ASCII text', stored({ event: 'refusal', agency: 'nv-police', reason: 'Zoë’s record — 記録' })],
  ['an actor with an id only a regex allows', stored({ event: 'consultation', agency: 'nv-police', actor: { id: 'PC-1234.x', role: 'officer' } })],
  // Shapes the hub never writes: each must still come out as JSON.parse reads it.
  ['a member twice (JSON.parse keeps the last)', '{"agency":"a","agency":"b","event":"x","recipients":[],"subjectKeys":[],"time":"t"}'],
  ['an index member that is not a string', '{"agency":5,"event":"x","recipients":[],"subjectKeys":[],"time":"t"}'],
  ['an actor without an id', '{"actor":{"role":"r"},"agency":"a","event":"x","recipients":[],"subjectKeys":[],"time":"t"}'],
  ['an actor that is not an object', '{"actor":"someone","agency":"a","event":"x","recipients":[],"subjectKeys":[],"time":"t"}'],
  ['an actor after other members', '{"agency":"a","event":"x","recipients":[],"actor":{"id":"i","role":"r"},"subjectKeys":[],"time":"t"}'],
  ['a nested object elsewhere', '{"agency":"a","event":"x","extra":{"agency":"b"},"recipients":[],"subjectKeys":[],"time":"t"}'],
  ['an array holding numbers', '{"agency":"a","event":"x","recipients":["r"],"ruleIds":[1,2],"subjectKeys":["s"],"time":"t"}'],
  ['numbers, booleans and null', '{"agency":"a","event":"x","isChild":true,"n":null,"recipients":[],"seq":12,"subjectKeys":[],"time":"t","z":-1.5e3}'],
  ['empty purpose and decision', '{"agency":"a","decision":"","event":"x","purpose":"","recipients":[],"subjectKeys":[],"time":"t"}'],
  ['no time', '{"agency":"a","event":"x","recipients":[],"subjectKeys":[]}'],
];

describe('the index members of a stored entry', () => {
  for (const [name, text] of entries) {
    it(`${name}: the same as JSON.parse gives`, () => {
      expect(indexesOf(text, true)).toEqual(indexesOf(text, false));
    });
  }

  it('a synthetic entry: its subject, both agencies, actor, purpose, event and decision', () => {
    expect(indexesOf(stored(syntheticAuditInput(12)), true).indexes).toEqual([
      `subject:${(12).toString(16).padStart(64, '0')}`,
      'agency:northvale-yot',
      'agency:northvale-childrens',
      'actor:northvale-yot/staff-12',
      'purpose:ppo-offender-management',
      'event:disclosure',
      'decision:permit',
    ]);
  });

  it('bytes that are not JSON fail as JSON.parse fails', () => {
    expect(() => readIndexFields('{"agency":"a",', true)).toThrow(SyntaxError);
  });
});
