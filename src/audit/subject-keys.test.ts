import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSubjectKeyer } from './subject-keys.js';

const secret = Buffer.alloc(32, 7);

describe('createSubjectKeyer', () => {
  it('is hex HMAC-SHA256 over kind:normalisedValue', () => {
    const keyer = createSubjectKeyer(secret);
    const expected = createHmac('sha256', secret).update('pnc:2001/0012345X').digest('hex');
    expect(keyer({ kind: 'pnc', value: '2001/0012345x' })).toBe(expected);
    expect(keyer({ kind: 'pnc', value: '2001/0012345x' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('normalises case and whitespace, and keeps kinds apart', () => {
    const keyer = createSubjectKeyer(secret);
    expect(keyer({ kind: 'nomis', value: ' a1234bc ' })).toBe(keyer({ kind: 'nomis', value: 'A1234BC' }));
    expect(keyer({ kind: 'nomis', value: 'A1234BC' })).not.toBe(keyer({ kind: 'crn', value: 'A1234BC' }));
  });

  it('gives different keys under different secrets', () => {
    const identifier = { kind: 'crn', value: 'X123456' };
    expect(createSubjectKeyer(secret)(identifier)).not.toBe(createSubjectKeyer(Buffer.alloc(32, 8))(identifier));
  });

  it('refuses a short secret as a programming mistake', () => {
    expect(() => createSubjectKeyer(Buffer.alloc(8))).toThrow(TypeError);
  });
});
