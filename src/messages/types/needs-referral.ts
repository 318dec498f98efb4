import { z } from 'zod';
import { address, calendarDate, contact, currentOrder, education, familyContext, health, housing, note, riskLevel, substanceMisuse } from '../common.js';

export const REFERRAL_NEEDS = ['housing', 'education', 'substance-misuse'] as const;

/**
 * Rehabilitate and Resettle: an offender manager refers the subject to a
 * service for one need. The sender's case record travels with it (health,
 * substance misuse, offending, family); the policy lets each service see only
 * what that service needs, so housing never sees health or offence details.
 */
export const needsReferralBody = z
  .strictObject({
    need: z.enum(REFERRAL_NEEDS),
    referralReason: note(1000),
    urgency: z.enum(['routine', 'urgent']),
    /** The day the referral was made in the sender's case system; when absent, the day it was sent. */
    referredOn: calendarDate.optional().meta({ description: "The day the referral was made in the sender's case system; when absent, the day it was sent." }),
    respondBy: calendarDate.optional(),
    referrer: contact,
    currentAddress: address.optional(),
    housing: housing.optional(),
    education: education.optional(),
    substanceMisuse: substanceMisuse.optional(),
    health: health.optional(),
    offending: z
      .strictObject({
        summary: note(1000),
        riskOfSeriousHarm: riskLevel,
        currentOrders: z.array(currentOrder).max(10).optional(),
      })
      .optional(),
    familyContext: familyContext.optional(),
    consent: z.strictObject({
      given: z.boolean(),
      recordedOn: calendarDate.optional(),
    }),
  })
  .superRefine((body, ctx) => {
    // A referral must carry the section for the need it is about.
    const section = body.need === 'substance-misuse' ? 'substanceMisuse' : body.need;
    if (body[section] === undefined) {
      ctx.addIssue({ code: 'custom', path: [section], message: 'the referred need has no details' });
    }
  })
  .meta({
    description:
      "Rehabilitate and Resettle: an offender manager refers the subject to a service for one need. The sender's case record travels with it (health, substance misuse, offending, family); the policy lets each service see only what that service needs, so housing never sees health or offence details.",
  });
export type NeedsReferralBody = z.infer<typeof needsReferralBody>;
