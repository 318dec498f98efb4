import type { MeasureDefinition } from '../measure.js';
import { arrests, arrestToCharge, arrestToSentence } from './arrests.js';
import { cohortFlow, cohortStatus } from './cohort.js';
import { chargeToOutcome, convictions, custodyRate, reoffendingChange } from './court.js';
import { notificationLag } from './data-quality.js';
import { informationSharing } from './information-sharing.js';
import { preventAndDeter } from './prevent-and-deter.js';
import { needsReferrals, releaseFollowUp, riskFlagCurrency } from './resettlement.js';

/** Every measure of a scheme return, in the order a return lists them. */
export const MEASURES: readonly MeasureDefinition[] = Object.freeze([
  cohortStatus,
  cohortFlow,
  arrests,
  arrestToCharge,
  chargeToOutcome,
  arrestToSentence,
  convictions,
  reoffendingChange,
  custodyRate,
  releaseFollowUp,
  needsReferrals,
  riskFlagCurrency,
  informationSharing,
  preventAndDeter,
  notificationLag,
]);
