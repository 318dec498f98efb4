import { z } from 'zod';
import { calendarDate, namePart } from './common.js';
import { IDENTIFIER_KINDS, identifierSchema, normaliseIdentifier, type IdentifierKind } from './identifiers.js';

/**
 * The person a message is about.
 *
 * `category` is the DPA 2018 s.38 distinction a competent authority must draw
 * between persons suspected, convicted, victims, witnesses and (as this
 * protocol adds, after the children's annex) children at risk of offending.
 */
export const SUBJECT_CATEGORIES = ['suspect', 'convicted', 'victim', 'witness', 'child-at-risk'] as const;
export type SubjectCategory = (typeof SUBJECT_CATEGORIES)[number];

export const subjectIdentifiersSchema = z
  .strictObject({
    pnc: identifierSchema('pnc').optional(),
    cro: identifierSchema('cro').optional(),
    prisonNumber: identifierSchema('prisonNumber').optional(),
    crn: identifierSchema('crn').optional(),
    localChildId: identifierSchema('localChildId').optional(),
  })
  .superRefine((identifiers, ctx) => {
    // A subject with no identifier cannot be keyed, matched or audited.
    if (IDENTIFIER_KINDS.every((kind) => identifiers[kind] === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'at least one identifier is required', params: { problem: 'missing' } });
    }
  })
  .meta({ minProperties: 1, description: 'At least one identifier of the subject' });

/** Earliest date of birth accepted: anything earlier is a keying error. */
const EARLIEST_BIRTH = '1900-01-01';

export const subjectSchema = z
  .strictObject({
    identifiers: subjectIdentifiersSchema,
    name: z.strictObject({ given: namePart, family: namePart }),
    dateOfBirth: calendarDate
      .refine((value) => value >= EARLIEST_BIRTH, 'date of birth too early')
      .refine(
        // A day of grace for senders whose local date is ahead of UTC.
        (value) => value <= new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
        'date of birth is in the future',
      )
      .meta({ description: 'Date of birth, YYYY-MM-DD, from 1900-01-01 to today' }),
    category: z.enum(SUBJECT_CATEGORIES).meta({ description: 'The DPA 2018 s.38 category of the person the message is about' }),
  })
  .meta({ id: 'Subject', description: 'The person the message is about' });

export type Subject = z.infer<typeof subjectSchema>;
export type SubjectIdentifiers = z.infer<typeof subjectIdentifiersSchema>;

/**
 * The subject's identifiers in canonical form, in a fixed kind order, for
 * pseudonymous subject keys. Expects a subject the schema has accepted.
 */
export function subjectIdentifiersOf(subject: Pick<Subject, 'identifiers'>): Array<{ kind: IdentifierKind; value: string }> {
  const found: Array<{ kind: IdentifierKind; value: string }> = [];
  for (const kind of IDENTIFIER_KINDS) {
    const value = subject.identifiers[kind];
    if (value !== undefined) found.push({ kind, value: normaliseIdentifier(kind, value) });
  }
  return found;
}
