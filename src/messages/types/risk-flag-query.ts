import { z } from 'zod';
import { calendarDate, note } from '../common.js';
import { riskFlagCode } from './risk-flag-update.js';

/**
 * Asks the hub whether the subject carries risk flags. The answer comes back
 * in the same exchange; "not permitted" and "nothing held" look the same.
 */
export const riskFlagQueryBody = z.strictObject({
  /** Omitted: every flag the asker may see. */
  flagCodes: z.array(riskFlagCode).min(1).max(20).optional(),
  reason: note(1000),
  caseReference: z.string().regex(/^[A-Za-z0-9/-]{1,40}$/, 'expected a case reference').optional(),
  /**
   * The answer: filled in by the hub from its register, then minimised by the
   * permitting rule's `disclose` list like any other field (so a rule names
   * e.g. `body.flags[].code`). A query that arrives carrying it is refused.
   */
  flags: z
    .array(z.strictObject({ code: riskFlagCode, level: z.enum(['low', 'medium', 'high']), reviewDate: calendarDate }))
    .max(50)
    .optional(),
}).meta({
  description:
    "Asks the hub whether the subject carries risk flags. The answer comes back in the same exchange; \"not permitted\" and \"nothing held\" look the same.",
});
export type RiskFlagQueryBody = z.infer<typeof riskFlagQueryBody>;
