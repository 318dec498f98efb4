import { z } from 'zod';
import { calendarDate, note, shortText } from '../common.js';

/** The risk flags partners keep on the hub's register. */
export const RISK_FLAG_CODES = [
  'violence',
  'weapons',
  'self-harm',
  'exploitation',
  'missing-episodes',
  'domestic-abuse',
  'drug-supply',
  'gang-association',
  'harm-to-children',
] as const;
export const riskFlagCode = z.enum(RISK_FLAG_CODES);

/**
 * Sets or clears risk flags on the register. Every flag carries a review
 * date: a flag nobody reviews expires (DPA 2018 s.39, data kept no longer
 * than necessary).
 */
export const riskFlagUpdateBody = z.strictObject({
  flags: z
    .array(
      z.strictObject({
        code: riskFlagCode,
        action: z.enum(['set', 'clear']),
        level: z.enum(['low', 'medium', 'high']),
        reviewDate: calendarDate,
        note: note(1000).optional(),
      }),
    )
    .min(1)
    .max(20),
  /** The panel or meeting that agreed the change (e.g. the Vulnerable Children's Panel). */
  agreedAt: shortText().optional(),
  /** The day the change was agreed; when absent, the day it was sent. */
  agreedOn: calendarDate.optional().meta({ description: 'The day the change was agreed; when absent, the day it was sent.' }),
}).meta({
  description:
    "Sets or clears risk flags on the register. Every flag carries a review date: a flag nobody reviews expires (DPA 2018 s.39, data kept no longer than necessary).",
});
export type RiskFlagUpdateBody = z.infer<typeof riskFlagUpdateBody>;
