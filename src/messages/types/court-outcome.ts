import { z } from 'zod';
import { calendarDate, currentOrder, hearing, note, offence, shortText } from '../common.js';

/**
 * Catch and Convict / Rehabilitate and Resettle: the court tells partners what
 * happened at a hearing: pleas, verdicts, sentence and orders made.
 */
export const courtOutcomeBody = z.strictObject({
  court: shortText(),
  hearingDate: calendarDate,
  caseUrn: z.string().regex(/^\d{2}[A-Z]{2}\d{5,9}$/, 'expected a case URN'),
  outcomes: z
    .array(
      z.strictObject({
        offence,
        plea: z.enum(['guilty', 'not-guilty', 'no-plea']),
        verdict: z.enum(['convicted', 'acquitted', 'withdrawn', 'adjourned']),
      }),
    )
    .min(1)
    .max(50),
  sentence: z
    .strictObject({
      type: z.enum([
        'immediate-custody',
        'suspended-sentence',
        'community-order',
        'youth-rehabilitation-order',
        'referral-order',
        'detention-and-training-order',
        'fine',
        'conditional-discharge',
        'absolute-discharge',
      ]),
      lengthMonths: z.number().int().min(0).max(600).optional(),
      requirements: z.array(shortText(300)).max(20).optional(),
    })
    .optional(),
  orders: z.array(currentOrder).max(20).optional(),
  remand: z.enum(['custody', 'bail', 'none']).optional(),
  nextHearing: hearing.optional(),
  /** The pre-sentence report's proposal, when the court asked for one. */
  preSentenceReportProposal: note(1000).optional(),
}).meta({
  description:
    "Catch and Convict / Rehabilitate and Resettle: the court tells partners what happened at a hearing: pleas, verdicts, sentence and orders made.",
});
export type CourtOutcomeBody = z.infer<typeof courtOutcomeBody>;
