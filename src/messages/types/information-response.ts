import { z } from 'zod';
import {
  address,
  currentOrder,
  education,
  familyContext,
  health,
  housing,
  intelligence,
  note,
  offence,
  riskAssessment,
  substanceMisuse,
} from '../common.js';

/**
 * Answers an information request. Each category has its own field, so the
 * policy can release some categories to the asker and withhold others.
 */
export const informationResponseBody = z.strictObject({
  requestId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'expected a request id'),
  nothingHeld: z.boolean(),
  answer: z
    .strictObject({
      summary: note(2000),
      address: address.optional(),
      offenceHistory: z.array(offence).max(100).optional(),
      currentOrders: z.array(currentOrder).max(20).optional(),
      intelligence: intelligence.optional(),
      riskAssessment: riskAssessment.optional(),
      health: health.optional(),
      substanceMisuse: substanceMisuse.optional(),
      housing: housing.optional(),
      education: education.optional(),
      familyContext: familyContext.optional(),
    })
    .optional(),
}).superRefine((body, ctx) => {
  // "Nothing held" and an answer contradict each other; an answer is needed otherwise.
  if (body.nothingHeld === (body.answer !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['answer'], message: body.nothingHeld ? 'nothingHeld with an answer' : 'answer required' });
  }
}).meta({
  description:
    "Answers an information request. Each category has its own field, so the policy can release some categories to the asker and withhold others.",
});
export type InformationResponseBody = z.infer<typeof informationResponseBody>;
