import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { modulus23CheckLetter } from '../messages/identifiers.js';
import { createSubjectKeyer } from './subject-keys.js';

const secret = Buffer.alloc(32, 7);
const pncCheck = modulus23CheckLetter('01' + '0012345');

describe('createSubjectKeyer', () => {
  it('is hex HMAC-SHA256 over kind:normalisedValue', () => {
    const keyer = createSubjectKeyer(secret);
    const expected = createHmac('sha256', secret).update(`pnc:01/0012345${pncCheck}`).digest('hex');
    expect(keyer({ kind: 'pnc', value: `01/0012345${pncCheck}` })).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses the message rules: a PNC written with century and short serial is the same person', () => {
    const keyer = createSubjectKeyer(secret);
    expect(keyer({ kind: 'pnc', value: `2001/12345${pncCheck.toLowerCase()}` })).toBe(keyer({ kind: 'pnc', value: `01/0012345${pncCheck}` }));
    expect(keyer({ kind: 'localChildId', value: 'nv c 000123' })).toBe(keyer({ kind: 'localChildId', value: 'NV-C-000123' }));
  });

  it('falls back to upper case without whitespace for unknown kinds and invalid values', () => {
    const keyer = createSubjectKeyer(secret);
    expect(keyer({ kind: 'prisonNumber', value: ' a1234bc ' })).toBe(keyer({ kind: 'prisonNumber', value: 'A1234BC' }));
    const expected = createHmac('sha256', secret).update('staffRef:AB12').digest('hex');
    expect(keyer({ kind: 'staffRef', value: 'ab 12' })).toBe(expected);
    expect(keyer({ kind: 'prisonNumber', value: 'A1234BC' })).not.toBe(keyer({ kind: 'crn', value: 'A1234BC' }));
  });

  it('gives different keys under different secrets', () => {
    const identifier = { kind: 'crn', value: 'X123456' };
    expect(createSubjectKeyer(secret)(identifier)).not.toBe(createSubjectKeyer(Buffer.alloc(32, 8))(identifier));
  });

  it('refuses a short secret as a programming mistake', () => {
    expect(() => createSubjectKeyer(Buffer.alloc(8))).toThrow(TypeError);
  });
});
