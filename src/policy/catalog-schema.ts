import { z } from 'zod';

/**
 * The format of policies/catalog.yaml: the vocabulary every rule must use.
 * Each entry carries a human title (and, for legal bases, the citation) so a
 * decision can be explained to a DPO in words rather than codes.
 */

export const catalogCode = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lower-case code (letters, digits, hyphens)');
const markingCode = z.string().regex(/^[A-Z][A-Z-]{0,62}$/, 'expected an upper-case marking such as OFFICIAL-SENSITIVE');

const title = z.string().trim().min(1).max(200);
const description = z.string().trim().min(1).max(2000);

export const purposeSchema = z.strictObject({
  title,
  description,
  /** Whether the purpose is one for which records about under-18s may be shared (the children's annex). */
  children: z.boolean(),
});

export const legalBasisSchema = z.strictObject({
  title,
  citation: z.string().trim().min(1).max(300),
  description: description.optional(),
});

export const describedEntrySchema = z.strictObject({ title, description: description.optional() });

export const markingSchema = z.strictObject({
  title,
  description: description.optional(),
  /** Higher is more restrictive: when several rules permit, the highest marking applies. */
  level: z.number().int().min(0).max(100),
});

/**
 * The longest a risk flag may stand before its review date (days from the
 * day it is set). A flag nobody reviews is erased on that date, so an
 * unbounded date would keep it for ever (DPA 2018 s.39: no longer than
 * necessary); a child's circumstances change faster, so their flags are
 * reviewed sooner.
 */
export const DEFAULT_FLAG_REVIEW_HORIZON = { maxDays: 365, maxDaysForChildren: 183 } as const;
export const flagReviewSchema = z
  .strictObject({
    maxDays: z.number().int().min(1).max(3650),
    maxDaysForChildren: z.number().int().min(1).max(3650),
  })
  .refine((horizon) => horizon.maxDaysForChildren <= horizon.maxDays, { message: 'maxDaysForChildren must not exceed maxDays', path: ['maxDaysForChildren'] });
export type FlagReviewHorizon = z.output<typeof flagReviewSchema>;

export const catalogFileSchema = z.strictObject({
  version: z.literal(1),
  purposes: z.record(catalogCode, purposeSchema),
  legalBases: z.record(catalogCode, legalBasisSchema),
  dataCategories: z.record(catalogCode, describedEntrySchema),
  /** After DPA 2018 s.38: the categories of data subject the controller must distinguish. */
  subjectCategories: z.record(catalogCode, describedEntrySchema),
  markings: z.record(markingCode, markingSchema),
  flagReview: flagReviewSchema.default(DEFAULT_FLAG_REVIEW_HORIZON),
});

export type CatalogFile = z.output<typeof catalogFileSchema>;
export type Catalog = CatalogFile;
