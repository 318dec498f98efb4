import { z } from 'zod';
import { address, calendarDate, contact, education, health, housing, riskAssessment, shortText, substanceMisuse } from '../common.js';

/**
 * Rehabilitate and Resettle: the prison tells police, probation, housing and
 * drug services that a PPO is about to be released, on what licence, to which
 * address, and what needs resettlement must meet. Each service is given only
 * the parts it needs (the policy withholds the rest).
 */
export const custodyReleaseBody = z.strictObject({
  establishment: shortText(),
  releaseDate: calendarDate,
  releaseType: z.enum(['licence', 'home-detention-curfew', 'sentence-expiry', 'post-sentence-supervision', 'remand-release']),
  licence: z
    .strictObject({
      expiresOn: calendarDate,
      conditions: z.array(shortText(300)).max(30),
      supervisingOfficer: contact.optional(),
      firstAppointment: z.iso.datetime({ offset: true }).optional(),
    })
    .optional(),
  addressOnRelease: z
    .strictObject({
      status: z.enum(['confirmed', 'approved-premises', 'no-fixed-abode', 'to-be-confirmed']),
      address: address.optional(),
    }),
  needs: z.strictObject({
    housing: housing.optional(),
    substanceMisuse: substanceMisuse.optional(),
    education: education.optional(),
    health: health.optional(),
  }),
  risk: riskAssessment,
}).meta({
  description:
    "Rehabilitate and Resettle: the prison tells police, probation, housing and drug services that a PPO is about to be released, on what licence, to which address, and what needs resettlement must meet. Each service is given only the parts it needs (the policy withholds the rest).",
});
export type CustodyReleaseBody = z.infer<typeof custodyReleaseBody>;
