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

export const catalogFileSchema = z.strictObject({
  version: z.literal(1),
  purposes: z.record(catalogCode, purposeSchema),
  legalBases: z.record(catalogCode, legalBasisSchema),
  dataCategories: z.record(catalogCode, describedEntrySchema),
  /** After DPA 2018 s.38: the categories of data subject the controller must distinguish. */
  subjectCategories: z.record(catalogCode, describedEntrySchema),
  markings: z.record(markingCode, markingSchema),
});

export type CatalogFile = z.output<typeof catalogFileSchema>;
export type Catalog = CatalogFile;
