import { describe, expect, it } from 'vitest';
import { isChildOn, subjectAgeOn } from './index.js';

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('subjectAgeOn', () => {
  it('counts whole years across the birthday', () => {
    expect(subjectAgeOn('1999-04-17', day('2026-04-16'))).toBe(26);
    expect(subjectAgeOn('1999-04-17', day('2026-04-17'))).toBe(27);
    expect(subjectAgeOn('1999-04-17', day('2026-12-31'))).toBe(27);
    expect(subjectAgeOn('1999-04-17', day('1999-04-17'))).toBe(0);
  });

  it('ages a 29 February birthday on 1 March in a common year', () => {
    expect(subjectAgeOn('2008-02-29', day('2026-02-28'))).toBe(17);
    expect(subjectAgeOn('2008-02-29', day('2026-03-01'))).toBe(18);
    expect(subjectAgeOn('2008-02-29', day('2028-02-28'))).toBe(19);
    expect(subjectAgeOn('2008-02-29', day('2028-02-29'))).toBe(20);
  });

  it('uses the UTC calendar date of the instant', () => {
    expect(subjectAgeOn('2008-11-22', new Date('2026-11-21T23:59:59Z'))).toBe(17);
    expect(subjectAgeOn('2008-11-22', new Date('2026-11-22T00:00:00Z'))).toBe(18);
  });

  it('throws TypeError for impossible input', () => {
    expect(() => subjectAgeOn('2023-02-29', day('2026-01-01'))).toThrow(TypeError);
    expect(() => subjectAgeOn('1999-4-17', day('2026-01-01'))).toThrow(TypeError);
    expect(() => subjectAgeOn('2020-01-01', day('2019-12-31'))).toThrow(TypeError);
    expect(() => subjectAgeOn('2020-01-01', new Date('nonsense'))).toThrow(TypeError);
  });
});

describe('isChildOn', () => {
  it('is true until the 18th birthday and false from it', () => {
    expect(isChildOn('2011-03-09', day('2026-11-22'))).toBe(true);
    expect(isChildOn('2008-11-23', day('2026-11-22'))).toBe(true);
    expect(isChildOn('2008-11-22', day('2026-11-22'))).toBe(false);
    expect(isChildOn('2008-02-29', day('2026-02-28'))).toBe(true);
    expect(isChildOn('2008-02-29', day('2026-03-01'))).toBe(false);
  });
});
