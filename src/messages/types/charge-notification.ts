import { z } from 'zod';
import { calendarDate, hearing, instant, note, offence, ppoStanding, shortText } from '../common.js';

/**
 * Catch and Convict: the PPO has been charged. The offender manager and the
 * prosecutor learn the charges, whether the PPO is bailed or remanded, and the
 * first hearing, so the case can be fast-tracked.
 */
export const chargeNotificationBody = z.strictObject({
  chargedAt: instant,
  /** Police/CPS case Unique Reference Number, e.g. 41NV0123425. */
  caseUrn: z.string().regex(/^\d{2}[A-Z]{2}\d{5,9}$/, 'expected a case URN'),
  charges: z
    .array(
      z.strictObject({
        offence,
        wording: note(1000).optional(),
      }),
    )
    .min(1)
    .max(50),
  ppo: ppoStanding,
  decision: z.strictObject({
    outcome: z.enum(['remanded-in-custody', 'police-bail', 'released-unconditionally', 'remanded-to-local-authority']),
    bailConditions: z.array(shortText(300)).max(20).optional(),
    bailAddressPostcode: z.string().regex(/^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/, 'expected a UK postcode').optional(),
  }),
  firstHearing: hearing,
  prosecutor: z.enum(['cps', 'police']),
  victimCount: z.number().int().min(0).max(500).optional(),
  /** Date the charging decision was authorised by the CPS, when it was. */
  cpsAuthorisedOn: calendarDate.optional(),
}).meta({
  description:
    "Catch and Convict: the PPO has been charged. The offender manager and the prosecutor learn the charges, whether the PPO is bailed or remanded, and the first hearing, so the case can be fast-tracked.",
});
export type ChargeNotificationBody = z.infer<typeof chargeNotificationBody>;
