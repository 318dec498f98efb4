import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MESSAGE_TYPES, fieldPathsOf, isFieldPathOf, leafPathsOf } from './index.js';

describe('fieldPathsOf', () => {
  it('lists the leaf paths of an arrest notification, with [] for array elements', () => {
    const paths = fieldPathsOf('arrest-notification');
    for (const expected of [
      'type',
      'purpose',
      'actor.id',
      'actor.role',
      'subject.name.given',
      'subject.name.family',
      'subject.dateOfBirth',
      'subject.category',
      'subject.identifiers.pnc',
      'subject.identifiers.localChildId',
      'body.arrestedAt',
      'body.offences[].code',
      'body.offences[].category',
      'body.arrestingOfficer.collarNumber',
      'body.address.postcode',
      'body.intelligence.handlingCode',
      'body.drugTestOnArrest.substances[]',
      'to[]',
    ]) {
      expect(paths).toContain(expected);
    }
    // Only leaves: no object or array paths.
    expect(paths).not.toContain('subject');
    expect(paths).not.toContain('body.offences');
    expect(paths).not.toContain('body.offences[]');
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('covers each data category somewhere in the bodies', () => {
    const all = new Set(MESSAGE_TYPES.flatMap((type) => [...fieldPathsOf(type)]));
    for (const expected of [
      'body.address.postcode', // address
      'body.answer.offenceHistory[].code', // offence history
      'body.answer.currentOrders[].type', // current orders
      'body.intelligence.summary', // intelligence
      'body.risk.riskOfSeriousHarm', // risk assessment
      'body.health.mentalHealthConcern', // health
      'body.substanceMisuse.substances[]', // substance misuse
      'body.housing.status', // housing
      'body.education.provision', // education
      'body.familyContext.dependentChildren', // family context
    ]) {
      expect(all).toContain(expected);
    }
  });

  it('is cached and frozen', () => {
    const first = fieldPathsOf('needs-referral');
    expect(fieldPathsOf('needs-referral')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toContain('body.health.mentalHealthNotes');
    expect(first).toContain('body.offending.currentOrders[].requirements[]');
  });

  it('refuses an unknown type', () => {
    expect(() => fieldPathsOf('arrest-notice' as never)).toThrow(TypeError);
  });

  it('follows the schema, not a list: a new field shows up', () => {
    const schema = z.strictObject({ a: z.string(), b: z.array(z.strictObject({ c: z.number().optional() })).optional(), d: z.array(z.string()) });
    expect(leafPathsOf(schema)).toEqual(['a', 'b[].c', 'd[]']);
    expect(leafPathsOf(schema.extend({ e: z.boolean() }))).toEqual(['a', 'b[].c', 'd[]', 'e']);
  });
});

describe('isFieldPathOf', () => {
  it('accepts leaves and their object or array prefixes, refuses others', () => {
    expect(isFieldPathOf('arrest-notification', 'body.offences[].code')).toBe(true);
    expect(isFieldPathOf('arrest-notification', 'body.offences')).toBe(true);
    expect(isFieldPathOf('arrest-notification', 'body.address')).toBe(true);
    expect(isFieldPathOf('arrest-notification', 'body.off')).toBe(false);
    expect(isFieldPathOf('arrest-notification', 'body.health.mentalHealthConcern')).toBe(false);
  });
});
