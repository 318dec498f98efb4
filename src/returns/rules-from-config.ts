import type { HubConfig } from '../config/index.js';
import type { DisclosureRules } from './disclosure-rules.js';

export function disclosureRulesFrom(config: Pick<HubConfig, 'RETURNS_SUPPRESS_BELOW' | 'RETURNS_MIN_DENOMINATOR' | 'RETURNS_MIN_MEDIAN_VALUES' | 'RETURNS_MIN_COMPARISON_COHORT'>): DisclosureRules {
  return {
    suppressBelow: config.RETURNS_SUPPRESS_BELOW,
    minDenominator: config.RETURNS_MIN_DENOMINATOR,
    minMedianValues: config.RETURNS_MIN_MEDIAN_VALUES,
    minComparisonCohort: config.RETURNS_MIN_COMPARISON_COHORT,
  };
}
