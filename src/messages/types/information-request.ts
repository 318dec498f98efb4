import { z } from 'zod';
import { calendarDate, DATA_CATEGORIES, note, shortText } from '../common.js';

/** Asks a partner for information about the subject, naming the categories wanted. */
export const informationRequestBody = z.strictObject({
  requestId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'expected a request id'),
  question: note(2000),
  categoriesRequested: z.array(z.enum(DATA_CATEGORIES)).min(1).max(DATA_CATEGORIES.length),
  dueBy: calendarDate,
  urgency: z.enum(['routine', 'urgent']),
  /** The meeting the answer is for, e.g. a PPO case conference or the Vulnerable Children's Panel. */
  forMeeting: shortText().optional(),
}).meta({
  description:
    "Asks a partner for information about the subject, naming the categories wanted.",
});
export type InformationRequestBody = z.infer<typeof informationRequestBody>;
