import { z } from 'zod';
import { address, familyContext, instant, intelligence, note, offence, ppoStanding, shortText } from '../common.js';

/**
 * Catch and Convict: the custody system tells the offender manager, as soon
 * as a PPO is booked in, that they have been arrested and on what suspicion,
 * so that charge decisions and bail can take the PPO status into account.
 */
export const arrestNotificationBody = z.strictObject({
  arrestedAt: instant,
  custodySuite: shortText(),
  custodyRecordNumber: z.string().regex(/^[A-Z0-9/-]{4,30}$/, 'expected a custody record number'),
  arrestingOfficer: z.strictObject({
    collarNumber: z.string().regex(/^[A-Z]{0,2}\d{2,6}$/, 'expected a collar number'),
    station: shortText().optional(),
  }),
  offences: z.array(offence).min(1).max(50),
  ppo: ppoStanding,
  custodyStatus: z.enum(['in-custody', 'released-under-investigation', 'released-on-bail', 'charged', 'no-further-action']),
  /** Home address given in custody. */
  address: address.optional(),
  intelligence: intelligence.optional(),
  /** Drug test on arrest for a trigger offence (Drugs Act 2005 s.7; PACE s.63B). */
  drugTestOnArrest: z
    .strictObject({
      result: z.enum(['positive', 'negative', 'refused', 'not-tested']),
      substances: z.array(z.enum(['opiates', 'cocaine'])).max(2).optional(),
      requiredAssessment: z.boolean().optional(),
    })
    .optional(),
  /** Welfare concerns noted by the custody officer. */
  welfare: z
    .strictObject({
      mentalHealthConcern: z.boolean(),
      selfHarmRisk: z.boolean(),
      notes: note(1000).optional(),
    })
    .optional(),
  familyContext: familyContext.optional(),
}).meta({
  description:
    "Catch and Convict: the custody system tells the offender manager, as soon as a PPO is booked in, that they have been arrested and on what suspicion, so that charge decisions and bail can take the PPO status into account.",
});
export type ArrestNotificationBody = z.infer<typeof arrestNotificationBody>;
