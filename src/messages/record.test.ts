import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HubError, isHubError } from '../errors.js';
import { MESSAGE_TYPES, messageRecordSchema, messageSchemas, parseMessageRecord, subjectIdentifiersOf, isChildOn } from './index.js';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies/examples');
const example = (type: string): Record<string, any> => JSON.parse(readFileSync(path.join(examplesDir, `${type}.json`), 'utf8'));

function caught(fn: () => unknown): HubError {
  try {
    fn();
  } catch (error) {
    if (isHubError(error)) return error;
    throw error;
  }
  throw new Error('expected a HubError');
}

const issuePaths = (error: HubError) => (error.details?.issues as Array<{ path: string; code: string }>).map((i) => i.path);

describe('policies/examples', () => {
  it('has exactly one example per message type', () => {
    const files = readdirSync(examplesDir).filter((name) => name.endsWith('.json')).sort();
    expect(files).toEqual([...MESSAGE_TYPES].map((type) => `${type}.json`).sort());
  });

  it.each([...MESSAGE_TYPES])('%s example parses and keeps its values', (type) => {
    const input = example(type);
    const record = parseMessageRecord(input);
    expect(record.type).toBe(type);
    expect(record).toEqual(input);
    expect(messageRecordSchema(type).safeParse(input).success).toBe(true);
    for (const claim of ['iss', 'aud', 'iat', 'exp', 'jti']) expect(input).not.toHaveProperty(claim);
  });

  it('uses an adult PPO for the arrest and a 15-year-old for the YOT flag query', () => {
    const asOf = new Date('2026-11-22T00:00:00Z');
    const arrest = parseMessageRecord(example('arrest-notification'));
    expect(isChildOn(arrest.subject.dateOfBirth, asOf)).toBe(false);
    const query = parseMessageRecord(example('risk-flag-query'));
    expect(query.purpose).toBe('prevent-and-deter');
    expect(query.actor.role).toBe('yot-officer');
    expect(query.subject.identifiers.localChildId).toBe('NV-C-000123');
    expect(isChildOn(query.subject.dateOfBirth, asOf)).toBe(true);
  });
});

describe('parseMessageRecord', () => {
  it('refuses an unknown type with MESSAGE_TYPE_UNKNOWN', () => {
    const error = caught(() => parseMessageRecord({ ...example('arrest-notification'), type: 'arrest-notice' }));
    expect(error.code).toBe('MESSAGE_TYPE_UNKNOWN');
    expect(error.status).toBe(422);
  });

  it('refuses a record that is not an object, or has no type, with MESSAGE_INVALID', () => {
    for (const input of [null, 'text', [], 42]) expect(caught(() => parseMessageRecord(input)).code).toBe('MESSAGE_INVALID');
    const { type: _type, ...untyped } = example('arrest-notification');
    expect(issuePaths(caught(() => parseMessageRecord(untyped)))).toEqual(['type']);
  });

  it('refuses a field the schema does not know, at every level (strict)', () => {
    const top = { ...example('court-outcome'), priority: 'high' };
    const atTop = caught(() => parseMessageRecord(top));
    expect(atTop.code).toBe('MESSAGE_INVALID');
    expect(issuePaths(atTop)).toEqual(['priority']);

    const inBody = example('court-outcome');
    inBody.body.victimName = 'Casey Exampleton';
    const atBody = caught(() => parseMessageRecord(inBody));
    expect(atBody.code).toBe('MESSAGE_INVALID');
    expect(issuePaths(atBody)).toEqual(['body.victimName']);

    const nested = example('arrest-notification');
    nested.body.offences[0].weapon = 'knife';
    expect(issuePaths(caught(() => parseMessageRecord(nested)))).toEqual(['body.offences[0].weapon']);

    const inSubject = example('arrest-notification');
    inSubject.subject.nickname = 'Lex';
    expect(issuePaths(caught(() => parseMessageRecord(inSubject)))).toEqual(['subject.nickname']);
  });

  it('maps a wrong check character to SUBJECT_IDENTIFIER_INVALID without echoing the value', () => {
    const input = example('arrest-notification');
    input.subject.identifiers.pnc = '17/0345678W';
    const error = caught(() => parseMessageRecord(input));
    expect(error.code).toBe('SUBJECT_IDENTIFIER_INVALID');
    expect(error.details?.issues).toEqual([{ path: 'subject.identifiers.pnc', code: 'check-character' }]);
    expect(JSON.stringify(error.toJSON())).not.toContain('0345678');
  });

  it.each([
    ['pnc', '170345678V', 'format'],
    ['cro', '045123/18P', 'check-character'],
    ['prisonNumber', 'A48211NV', 'format'],
    ['crn', 'N48219', 'format'],
    ['localChildId', 'NV-000123', 'format'],
  ])('maps a bad %s to SUBJECT_IDENTIFIER_INVALID', (kind, value, problem) => {
    const input = example('custody-release');
    input.subject.identifiers[kind] = value;
    const error = caught(() => parseMessageRecord(input));
    expect(error.code).toBe('SUBJECT_IDENTIFIER_INVALID');
    expect(error.details?.issues).toEqual([{ path: `subject.identifiers.${kind}`, code: problem }]);
  });

  it('requires at least one identifier', () => {
    const input = example('risk-flag-query');
    input.subject.identifiers = {};
    const error = caught(() => parseMessageRecord(input));
    expect(error.code).toBe('SUBJECT_IDENTIFIER_INVALID');
    expect(error.details?.issues).toEqual([{ path: 'subject.identifiers', code: 'missing' }]);
  });

  it('refuses an unknown identifier kind as an identifier problem', () => {
    const input = example('risk-flag-query');
    input.subject.identifiers.nhsNumber = '9434765919';
    expect(caught(() => parseMessageRecord(input)).code).toBe('SUBJECT_IDENTIFIER_INVALID');
  });

  it('reports MESSAGE_INVALID with every failing path when identifier and other problems mix', () => {
    const input = example('ppo-status-change');
    input.subject.identifiers.pnc = '17/0345678W';
    input.body.priority = 'purple';
    input.subject.dateOfBirth = '2023-02-29';
    const error = caught(() => parseMessageRecord(input));
    expect(error.code).toBe('MESSAGE_INVALID');
    expect(issuePaths(error).sort()).toEqual(['body.priority', 'subject.dateOfBirth', 'subject.identifiers.pnc']);
    expect(JSON.stringify(error.toJSON())).not.toContain('purple');
  });

  it('checks the subject: name, date of birth, s.38 category', () => {
    const future = example('arrest-notification');
    future.subject.dateOfBirth = '2999-01-01';
    expect(issuePaths(caught(() => parseMessageRecord(future)))).toEqual(['subject.dateOfBirth']);
    const category = example('arrest-notification');
    category.subject.category = 'offender';
    expect(issuePaths(caught(() => parseMessageRecord(category)))).toEqual(['subject.category']);
    const name = example('arrest-notification');
    name.subject.name.given = '';
    // Empty fails both the length and the name pattern: two issues, one path.
    expect(new Set(issuePaths(caught(() => parseMessageRecord(name))))).toEqual(new Set(['subject.name.given']));
  });

  it('keeps text exactly as sent and refuses blank text', () => {
    const padded = example('ppo-status-change');
    padded.body.reason = '  Selected by the panel.  ';
    expect(parseMessageRecord(padded).body).toMatchObject({ reason: '  Selected by the panel.  ' });
    const blank = example('ppo-status-change');
    blank.body.reason = '   ';
    expect(issuePaths(caught(() => parseMessageRecord(blank)))).toEqual(['body.reason']);
  });

  it('requires a needs referral to carry the section for its need', () => {
    const input = example('needs-referral');
    delete input.body.housing;
    const error = caught(() => parseMessageRecord(input));
    expect(error.code).toBe('MESSAGE_INVALID');
    expect(issuePaths(error)).toEqual(['body.housing']);
  });

  it('refuses an information response that both answers and holds nothing', () => {
    const input = example('information-response');
    input.body.nothingHeld = true;
    expect(issuePaths(caught(() => parseMessageRecord(input)))).toEqual(['body.answer']);
    const empty = example('information-response');
    delete empty.body.answer;
    empty.body.nothingHeld = true;
    expect(parseMessageRecord(empty).type).toBe('information-response');
  });

  it('refuses a record of one type carrying another type body', () => {
    const input = { ...example('arrest-notification'), body: example('charge-notification').body };
    const error = caught(() => parseMessageRecord(input));
    expect(error.code).toBe('MESSAGE_INVALID');
    expect(issuePaths(error)).toContain('body.chargedAt');
  });
});

describe('messageSchemas and subjectIdentifiersOf', () => {
  it('has one record schema per type whose type is a literal', () => {
    expect(Object.keys(messageSchemas).sort()).toEqual([...MESSAGE_TYPES].sort());
    expect(messageSchemas['court-outcome'].safeParse({ ...example('court-outcome'), type: 'arrest-notification' }).success).toBe(false);
    expect(() => messageRecordSchema('nope' as never)).toThrow(TypeError);
  });

  it('lists identifiers in canonical form and fixed order', () => {
    const record = parseMessageRecord({
      ...example('risk-flag-update'),
      subject: { ...example('risk-flag-update').subject, identifiers: { localChildId: 'nv-c-000123', pnc: '2024/61234y' } },
    });
    expect(subjectIdentifiersOf(record.subject)).toEqual([
      { kind: 'pnc', value: '24/0061234Y' },
      { kind: 'localChildId', value: 'NV-C-000123' },
    ]);
  });
});

describe('MESSAGE_INVALID for a value outside a fixed list', () => {
  it('lists the allowed values with the failing path, and never the value sent', () => {
    const input = example('arrest-notification');
    const error = caught(() => parseMessageRecord({ ...input, subject: { ...input.subject, category: 'bystander-zq' } }));
    expect(error.code).toBe('MESSAGE_INVALID');
    expect(error.details?.issues).toEqual([
      { path: 'subject.category', code: 'invalid_value', allowed: ['suspect', 'convicted', 'victim', 'witness', 'child-at-risk'] },
    ]);
    expect(JSON.stringify(error.toJSON())).not.toContain('bystander-zq');
  });
});
