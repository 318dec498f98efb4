import { describe, expect, it } from 'vitest';
import { identifierProblem, isValidIdentifier, modulus23CheckLetter, normaliseIdentifier } from './index.js';

describe('modulus23CheckLetter', () => {
  it('matches published PNC and CRO examples', () => {
    // Values that appear as valid in the Ministry of Justice's open-source
    // HMPPS services' identifier tests.
    expect(modulus23CheckLetter('020073319')).toBe('Z'); // PNC 2002/0073319Z
    expect(modulus23CheckLetter('990123456')).toBe('X'); // PNC 99/123456X
    expect(modulus23CheckLetter('991234567')).toBe('B'); // PNC 1999/1234567B
    expect(modulus23CheckLetter('200000009')).toBe('N'); // PNC 20/9N
    expect(modulus23CheckLetter('98097501')).toBe('T'); // CRO 097501/98T
    expect(modulus23CheckLetter('21265416')).toBe('G'); // CRO 265416/21G
  });

  it('maps remainder 0 to Z and never yields I, O or S', () => {
    expect(modulus23CheckLetter('0')).toBe('Z');
    expect(modulus23CheckLetter('23')).toBe('Z');
    expect(modulus23CheckLetter('1')).toBe('A');
    const letters = new Set(Array.from({ length: 23 }, (_, n) => modulus23CheckLetter(String(n))));
    expect(letters.size).toBe(23);
    for (const banned of ['I', 'O', 'S']) expect(letters.has(banned)).toBe(false);
  });

  it('refuses non-digits as a programming error', () => {
    expect(() => modulus23CheckLetter('12a')).toThrow(TypeError);
  });
});

describe('characters an identifier may hold', () => {
  // Each of these upper-cases or strips to a valid number, so it would be keyed as that number
  // while the record forwarded to recipients still held the character as sent.
  it.each([
    ['pnc', '17/0345678V\u00a0', 'a trailing no-break space'],
    ['pnc', '17/\u30000345678V', 'an ideographic space'],
    ['pnc', '17/0345678V\t', 'a tab'],
    ['cro', '\u017fF83/50058Z', 'a long s for S'],
    ['crn', 'x123456\u200b', 'a zero-width space'],
    ['localChildId', 'NV-C-000123\u2028', 'a line separator'],
    ['prisonNumber', 'A1234B\uff23', 'a full-width letter'],
  ] as const)('refuses %s %j (%s) as characters, not a format', (kind, value, _what) => {
    expect(identifierProblem(kind, value)).toBe('characters');
  });

  it('still accepts ASCII spaces, lower case, / and -', () => {
    expect(identifierProblem('pnc', ' 17 / 0345678v ')).toBeUndefined();
    expect(identifierProblem('localChildId', 'nv-c-000123')).toBeUndefined();
  });
});

describe('PNC ID', () => {
  it.each(['17/0345678V', '2002/0073319Z', '99/123456X', '1999/1234567B', '20/9N', ' 17/0345678v '])('accepts %s', (value) => {
    expect(identifierProblem('pnc', value)).toBeUndefined();
  });

  it.each(['17/0345678W', '2002/0073319Y', '20/9P'])('refuses %s for its check character', (value) => {
    expect(identifierProblem('pnc', value)).toBe('check-character');
  });

  it.each(['170345678V', '17/03456789V', '1/0345678V', '2117/0345678V', '17/0345678', '17/034567AV', '', 'AB/0345678V'])(
    'refuses %s for its format',
    (value) => {
      expect(identifierProblem('pnc', value)).toBe('format');
    },
  );

  it('normalises to YY/NNNNNNNL', () => {
    expect(normaliseIdentifier('pnc', '2002/0073319Z')).toBe('02/0073319Z');
    expect(normaliseIdentifier('pnc', '20/9n')).toBe('20/0000009N');
    expect(normaliseIdentifier('pnc', ' 17 / 0345678V')).toBe('17/0345678V');
  });
});

describe('CRO number', () => {
  it.each(['045123/18N', '097501/98T', '65656/91H', 'SF05/482703J', 'SF83/50058Z', 'sf83/50058z'])('accepts %s', (value) => {
    expect(isValidIdentifier('cro', value)).toBe(true);
  });

  it.each(['045123/18P', '265416/21H', 'SF05/482703K', 'SF83/50058Y'])('refuses %s for its check character', (value) => {
    expect(identifierProblem('cro', value)).toBe('check-character');
  });

  it.each(['1234567/18N', '045123/1N', '045123/18', 'SF05482703J', '045123-18N', 'XX05/482703J'])('refuses %s for its format', (value) => {
    expect(identifierProblem('cro', value)).toBe('format');
  });

  it('normalises the serial to six digits', () => {
    expect(normaliseIdentifier('cro', '65656/91h')).toBe('065656/91H');
    expect(normaliseIdentifier('cro', 'sf83/50058z')).toBe('SF83/50058Z');
  });
});

describe('prison number, CRN and local child id', () => {
  it('checks the NOMIS prison number format', () => {
    expect(isValidIdentifier('prisonNumber', 'A4821NV')).toBe(true);
    expect(isValidIdentifier('prisonNumber', 'a4821nv')).toBe(true);
    for (const bad of ['4821NV', 'A482NV', 'A4821N', 'AA4821N', 'A48217V']) {
      expect(identifierProblem('prisonNumber', bad)).toBe('format');
    }
    expect(normaliseIdentifier('prisonNumber', 'a 4821 nv')).toBe('A4821NV');
  });

  it('checks the probation CRN format', () => {
    expect(isValidIdentifier('crn', 'N482193')).toBe(true);
    for (const bad of ['N48219', 'N4821934', '4821934', 'NN48219']) expect(identifierProblem('crn', bad)).toBe('format');
    expect(normaliseIdentifier('crn', 'n482193')).toBe('N482193');
  });

  it('checks the local child id format and restores its hyphens', () => {
    expect(isValidIdentifier('localChildId', 'NV-C-000123')).toBe(true);
    expect(normaliseIdentifier('localChildId', 'nvc000123')).toBe('NV-C-000123');
    expect(normaliseIdentifier('localChildId', 'nv-c-000123')).toBe('NV-C-000123');
    for (const bad of ['NV-X-000123', 'NV-C-00123', 'N-C-000123', 'NV-C-0001234', 'NV/C/000123']) {
      expect(identifierProblem('localChildId', bad)).toBe('format');
    }
  });

  it('refuses to normalise an invalid identifier', () => {
    expect(() => normaliseIdentifier('pnc', '17/0345678W')).toThrow(TypeError);
  });
});
