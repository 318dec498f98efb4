import { z } from 'zod';

/**
 * The format of policies/rules/*.yaml. Conditions are structured matchers
 * only: nothing in a rule file is ever evaluated as code, so an ISP owner's
 * typo cannot become an injection.
 */

const code = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lower-case code (letters, digits, hyphens)');
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,79}$/, 'expected a rule id of lower-case letters, digits, dots and hyphens');
export const fieldPath = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\[\])?(\.[A-Za-z][A-Za-z0-9]*(\[\])?)*$/, 'expected a dotted field path such as subject.name.given or body.offences[].code');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/, 'expected a date YYYY-MM-DD or an RFC 3339 date-time');

export const GENERALISATIONS = ['year', 'day', 'postcode-district', 'initials'] as const;
export type Generalisation = (typeof GENERALISATIONS)[number];

const partiesSchema = z
  .strictObject({
    roles: z.array(code).min(1).optional(),
    agencies: z.array(code).min(1).optional(),
  })
  .refine((value) => value.roles !== undefined || value.agencies !== undefined, 'name at least one of `roles` or `agencies`');

const OPERATORS = ['equals', 'in', 'exists', 'range', 'dateRange', 'subjectAge'] as const;

export const conditionSchema = z
  .strictObject({
    path: fieldPath.optional(),
    equals: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    exists: z.boolean().optional(),
    range: z
      .strictObject({ min: z.number().optional(), max: z.number().optional() })
      .refine((r) => r.min !== undefined || r.max !== undefined, 'give `min`, `max` or both')
      .optional(),
    dateRange: z
      .strictObject({ from: isoDate.optional(), to: isoDate.optional() })
      .refine((r) => r.from !== undefined || r.to !== undefined, 'give `from`, `to` or both')
      .optional(),
    subjectAge: z
      .strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
      .refine((r) => r.min !== undefined || r.max !== undefined, 'give `min`, `max` or both')
      .optional(),
  })
  .superRefine((value, ctx) => {
    const used = OPERATORS.filter((op) => value[op] !== undefined);
    if (used.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a condition needs exactly one of ${OPERATORS.join(', ')} (found ${used.length})` });
      return;
    }
    if (used[0] === 'subjectAge' && value.path !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: '`subjectAge` reads the subject date of birth; it takes no `path`' });
    }
    if (used[0] !== 'subjectAge' && value.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `\`${used[0]}\` needs a \`path\`` });
    }
  });

export const discloseEntrySchema = z.union([
  fieldPath,
  z.strictObject({ path: fieldPath, generalise: z.enum(GENERALISATIONS).optional() }),
]);

export const obligationsSchema = z.strictObject({
  disclose: z.array(discloseEntrySchema),
  marking: z.string().min(1),
  retainDays: z.number().int().min(1).max(36500),
  notify: z.array(code).optional(),
});

const common = {
  id: ruleId,
  description: z.string().trim().min(1).max(2000),
  /** The clause of the signed ISP that this rule carries out. */
  clause: z.string().trim().min(1).max(100),
  purposes: z.array(code).min(1).optional(),
  legalBases: z.array(code).min(1),
  subjectCategories: z.array(code).min(1).optional(),
  conditions: z.array(conditionSchema).optional(),
};

export const permitRuleSchema = z.strictObject({
  ...common,
  effect: z.literal('permit'),
  messageTypes: z.array(code).min(1),
  from: partiesSchema,
  to: partiesSchema,
  purposes: z.array(code).min(1),
  dataCategories: z.array(code).min(1),
  obligations: obligationsSchema,
  children: z.boolean().optional(),
});

export const forbidRuleSchema = z.strictObject({
  ...common,
  effect: z.literal('forbid'),
  /** Absent: every message type. */
  messageTypes: z.array(code).min(1).optional(),
  from: partiesSchema.optional(),
  to: partiesSchema.optional(),
  /** Absent: the whole message is refused. Present: only these fields (and what is under them) are withheld. */
  withhold: z.array(fieldPath).min(1).optional(),
});

export const ruleSchema = z.discriminatedUnion('effect', [permitRuleSchema, forbidRuleSchema]);

export const ruleFileSchema = z.strictObject({
  version: z.literal(1),
  rules: z.array(ruleSchema),
});

export type ConditionSpec = z.output<typeof conditionSchema>;
export type PermitRuleSpec = z.output<typeof permitRuleSchema>;
export type ForbidRuleSpec = z.output<typeof forbidRuleSchema>;
export type RuleSpec = z.output<typeof ruleSchema>;
export type DiscloseEntrySpec = z.output<typeof discloseEntrySchema>;
