import { z } from 'zod';
import { parseCalendarDate } from './age.js';

/**
 * Building blocks shared by the message bodies. Every object is strict: a
 * field the schema does not know is refused rather than carried, because a
 * field the policy cannot name is a field it cannot withhold.
 */

/** The data categories of the catalog; each body field belongs to one of them. */
export const DATA_CATEGORIES = [
  'identity',
  'address',
  'offence-history',
  'current-orders',
  'intelligence',
  'risk-assessment',
  'health',
  'substance-misuse',
  'housing',
  'education',
  'family-context',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** A calendar date, `YYYY-MM-DD`, that exists (no 2023-02-29). */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => parseCalendarDate(value) !== undefined, 'not a real calendar date')
  .meta({ format: 'date', description: 'A calendar date, YYYY-MM-DD (RFC 3339 full-date)' });

/** An instant with its UTC offset (RFC 3339 s.5.6), e.g. 2025-03-14T02:40:00Z. */
export const instant = z.iso.datetime({ offset: true }).meta({ description: 'An instant with its UTC offset (RFC 3339 date-time), e.g. 2025-03-14T02:40:00Z' });

/**
 * Free text written by a practitioner: bounded, never blank. Not trimmed: the
 * record keeps exactly what the sender signed.
 */
export const note = (max = 2000) =>
  z.string().min(1).regex(/\S/, 'must not be blank').max(max).meta({ description: `Free text, not blank, at most ${max} characters` });
export const shortText = (max = 200) =>
  z.string().min(1).regex(/\S/, 'must not be blank').max(max).meta({ description: `Short text, not blank, at most ${max} characters` });

/** A person's name part: letters (any script), spaces, hyphens, apostrophes, full stops. */
export const namePart = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\p{L}\p{M}][\p{L}\p{M} '’.-]*$/u, 'expected a name')
  .meta({ description: 'A name part: letters of any script, spaces, hyphens, apostrophes, full stops' });

/** A code used inside the protocol (catalog codes, agency ids, roles). */
export const protocolCode = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case code')
  .meta({ description: 'A lower-case protocol code: letters, digits, hyphens' });

/** UK postcode in its written form, outward and inward parts (BS 7666). */
export const postcode = z
  .string()
  .regex(/^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/, 'expected a UK postcode')
  .meta({ description: 'A UK postcode in capitals, e.g. NV1 4AB' });

export const address = z.strictObject({
  line1: shortText(),
  line2: shortText().optional(),
  town: shortText(100),
  postcode,
}).meta({ description: 'A postal address' });

/** Offence categories used for PPO selection and the Performance Management Framework. */
export const OFFENCE_CATEGORIES = [
  'acquisitive',
  'burglary',
  'robbery',
  'vehicle',
  'violence',
  'sexual',
  'drugs',
  'weapons',
  'criminal-damage',
  'public-order',
  'fraud',
  'motoring',
  'other',
] as const;

/** One offence: its Home Office / CJS offence code, wording and category. */
export const offence = z.strictObject({
  code: z.string().regex(/^[A-Z]{2}\d{5}[A-Z]?$/, 'expected a CJS offence code such as TH68010'),
  description: shortText(300),
  category: z.enum(OFFENCE_CATEGORIES),
  committedOn: calendarDate.optional(),
}).meta({ description: 'One offence: its CJS offence code, wording and category' });

export const PPO_STATUSES = ['nominated', 'selected', 'deselected'] as const;
export const PPO_STRANDS = ['prevent-and-deter', 'catch-and-convict', 'rehabilitate-and-resettle'] as const;
/** The traffic-light system of the delivery groups: red is the most intensive. */
export const PPO_PRIORITIES = ['red', 'amber', 'green'] as const;

/** Where the subject stands on the PPO scheme when the message is sent. */
export const ppoStanding = z.strictObject({
  status: z.enum([...PPO_STATUSES, 'not-on-scheme']),
  strand: z.enum(PPO_STRANDS).optional(),
  priority: z.enum(PPO_PRIORITIES).optional(),
}).meta({ description: 'Where the subject stands on the PPO scheme when the message is sent' });

/** OASys risk of serious harm levels. */
export const RISK_LEVELS = ['low', 'medium', 'high', 'very-high'] as const;
export const riskLevel = z.enum(RISK_LEVELS);

export const riskAssessment = z.strictObject({
  riskOfSeriousHarm: riskLevel,
  likelihoodOfReoffending: z.enum(['low', 'medium', 'high']),
  assessedOn: calendarDate,
  tool: z.enum(['oasys', 'asset-plus', 'other']),
  summary: note().optional(),
}).meta({ description: 'A risk assessment (OASys, AssetPlus or other) and its outcome' });

export const ORDER_TYPES = [
  'community-order',
  'suspended-sentence-order',
  'licence',
  'post-sentence-supervision',
  'youth-rehabilitation-order',
  'referral-order',
  'criminal-behaviour-order',
  'restraining-order',
  'sexual-harm-prevention-order',
  'drug-rehabilitation-requirement',
  'alcohol-treatment-requirement',
  'electronic-monitoring',
] as const;

/** A court order or licence in force. */
export const currentOrder = z.strictObject({
  type: z.enum(ORDER_TYPES),
  startsOn: calendarDate,
  endsOn: calendarDate.optional(),
  requirements: z.array(shortText(300)).max(30).optional(),
}).meta({ description: 'A court order or licence in force' });

/** A court hearing to come. */
export const hearing = z.strictObject({
  court: shortText(),
  date: calendarDate,
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM').optional(),
}).meta({ description: 'A court hearing to come' });

/** Substance misuse as a treatment service records it. */
export const substanceMisuse = z.strictObject({
  substances: z.array(z.enum(['opiates', 'crack-cocaine', 'cocaine', 'cannabis', 'alcohol', 'benzodiazepines', 'amphetamines', 'spice', 'other'])).max(10),
  injecting: z.boolean(),
  inTreatment: z.boolean(),
  treatmentProvider: shortText().optional(),
  opiateSubstitutionTherapy: z.boolean().optional(),
  lastDrugTest: z
    .strictObject({
      testedOn: calendarDate,
      result: z.enum(['positive', 'negative']),
      substances: z.array(z.enum(['opiates', 'cocaine'])).max(2).optional(),
    })
    .optional(),
}).meta({ description: 'Substance misuse as a treatment service records it' });

/** Physical and mental health as the sender knows it. */
export const health = z.strictObject({
  mentalHealthConcern: z.boolean(),
  mentalHealthNotes: note().optional(),
  physicalHealthNotes: note().optional(),
  medication: z.array(shortText()).max(20).optional(),
  gpRegistered: z.boolean().optional(),
}).meta({ description: 'Physical and mental health as the sender knows it' });

export const ACCOMMODATION_STATUSES = [
  'settled',
  'temporary',
  'no-fixed-abode',
  'sofa-surfing',
  'approved-premises',
  'hostel',
  'with-family',
  'local-authority-care',
] as const;

/** Accommodation: the housing data category. */
export const housing = z.strictObject({
  status: z.enum(ACCOMMODATION_STATUSES),
  localConnection: z.boolean().optional(),
  priorityNeed: z.boolean().optional(),
  tenancyHistory: note(1000).optional(),
  rentArrears: z.boolean().optional(),
}).meta({ description: 'Accommodation: the housing data category' });

/** Education, training and employment. */
export const education = z.strictObject({
  provision: z.enum(['mainstream-school', 'alternative-provision', 'pupil-referral-unit', 'college', 'training', 'employed', 'not-in-education-employment-or-training']),
  establishment: shortText().optional(),
  attendancePercent: z.number().min(0).max(100).optional(),
  exclusionsThisYear: z.number().int().min(0).max(100).optional(),
  specialEducationalNeeds: z.boolean().optional(),
  basicSkillsNeed: z.boolean().optional(),
}).meta({ description: 'Education, training and employment' });

/** Family context: carers, dependants, household concerns. */
export const familyContext = z.strictObject({
  livesWith: z.enum(['parents', 'one-parent', 'relatives', 'foster-carers', 'residential-care', 'partner', 'alone', 'other']).optional(),
  dependentChildren: z.number().int().min(0).max(20).optional(),
  childProtectionPlan: z.boolean().optional(),
  lookedAfter: z.boolean().optional(),
  notes: note(1000).optional(),
}).meta({ description: 'Family context: carers, dependants, household concerns' });

/**
 * Intelligence, with its handling code: under the 3x5x2 model (College of
 * Policing, Intelligence management APP) code P means it may be shared
 * lawfully, code C that conditions apply.
 */
export const intelligence = z.strictObject({
  summary: note(),
  sourceEvaluation: z.enum(['1', '2', '3']),
  intelligenceAssessment: z.enum(['A', 'B', 'C', 'D', 'E']),
  handlingCode: z.enum(['P', 'C']),
  handlingConditions: note(500).optional(),
}).meta({ description: 'Intelligence with its 3x5x2 evaluation and handling code (P: may be shared lawfully; C: conditions apply)' });

/** The person at an agency who is the point of contact for the matter. */
export const contact = z.strictObject({
  name: shortText(100),
  role: shortText(100),
  phone: z.string().regex(/^\+?[\d ]{7,20}$/, 'expected a phone number').optional(),
  email: z.email().optional(),
}).meta({ description: 'The person at an agency who is the point of contact for the matter' });
