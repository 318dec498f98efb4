/**
 * The disclosure-control rules of a return, all configurable (src/config):
 *
 * - a count of people or events from 1 to `suppressBelow - 1` is shown as
 *   `<5` (NHS Digital's hospital statistics suppressed 1 to 5 the same way,
 *   with secondary suppression; the ONS and UK LLC use a threshold of 10);
 * - no percentage or rate on a denominator under `minDenominator` (10);
 * - no median over fewer than `minMedianValues` values (a median of one to
 *   four values describes those few events);
 * - no before/after comparison on a cohort under `minComparisonCohort` (60,
 *   the Justice Data Lab's minimum for a re-offending comparison).
 */
export interface DisclosureRules {
  suppressBelow: number;
  minDenominator: number;
  minMedianValues: number;
  minComparisonCohort: number;
}

export const DEFAULT_DISCLOSURE_RULES: DisclosureRules = Object.freeze({ suppressBelow: 5, minDenominator: 10, minMedianValues: 5, minComparisonCohort: 60 });

/** What a withheld cell shows, and why. */
export const SYMBOLS = Object.freeze({
  /** Not applicable: nothing to divide by, or no values. */
  none: '[z]',
  /** Withheld so that a small count cannot be worked out from a total (secondary suppression). */
  secondary: '[c]',
  /** Not published under the rules (small denominator, few values, small cohort, or resting on a withheld count). */
  rule: '[x]',
});

export function smallLabel(rules: DisclosureRules): string {
  return `<${rules.suppressBelow}`;
}
