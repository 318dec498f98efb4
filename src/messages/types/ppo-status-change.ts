import { z } from 'zod';
import { calendarDate, note, PPO_PRIORITIES, PPO_STATUSES, PPO_STRANDS, shortText } from '../common.js';

/**
 * A change of the subject's standing on the PPO scheme, decided by the
 * scheme's selection panel against the local selection criteria (volume and
 * nature of offending and other harm), with the strand that leads the work and
 * the traffic-light priority used by the delivery group.
 */
export const ppoStatusChangeBody = z.strictObject({
  status: z.enum(PPO_STATUSES),
  previousStatus: z.enum([...PPO_STATUSES, 'not-on-scheme']).optional(),
  strand: z.enum(PPO_STRANDS),
  priority: z.enum(PPO_PRIORITIES),
  effectiveDate: calendarDate,
  reviewDate: calendarDate.optional(),
  reason: note(1000),
  selectionCriteria: z
    .array(z.enum(['volume-of-offending', 'nature-of-offending', 'other-harm', 'local-criteria']))
    .max(4)
    .optional(),
  panel: shortText().optional(),
}).meta({
  description:
    "A change of the subject's standing on the PPO scheme, decided by the scheme's selection panel against the local selection criteria (volume and nature of offending and other harm), with the strand that leads the work and the traffic-light priority used by the delivery group.",
});
export type PpoStatusChangeBody = z.infer<typeof ppoStatusChangeBody>;
