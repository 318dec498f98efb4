import { z } from 'zod';

/**
 * The format of policies/tests/*.yaml: cases an ISP owner writes to pin down
 * what the protocol does, run by `isp-hub policy test`.
 */

const agencyId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected an agency id');
const path = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });

export const recipientExpectationSchema = z.union([
  z.enum(['permit', 'deny']),
  z.strictObject({
    decision: z.enum(['permit', 'deny']),
    /** Exactly these rule ids decided (order ignored). */
    rules: z.array(z.string()).optional(),
    /** Exactly these leaf paths are disclosed (order ignored). */
    disclosed: z.array(path).optional(),
    /** At least these leaf paths are withheld. */
    withheld: z.array(path).optional(),
    /** Nothing at or under these paths is disclosed. */
    notDisclosed: z.array(path).optional(),
    /** Exactly these agency ids are notified. */
    notify: z.array(agencyId).optional(),
    isChild: z.boolean().optional(),
    marking: z.string().optional(),
  }),
]);

export const policyTestCaseSchema = z.strictObject({
  name: z.string().trim().min(1).max(300),
  /** A path to a JSON message (relative to this file) or the message inline. */
  message: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /** Changes to the message before it is decided: dotted path -> value (null removes the field). */
  set: z.record(z.string(), z.unknown()).optional(),
  from: agencyId,
  now: instant.optional(),
  expect: z.record(agencyId, recipientExpectationSchema).refine((value) => Object.keys(value).length > 0, 'expect at least one recipient'),
  /** Exactly these agencies are the recipients recipientsFor() finds (order ignored). */
  recipients: z.array(agencyId).optional(),
});

export const policyTestFileSchema = z.strictObject({
  version: z.literal(1),
  /** The decision date for every case that does not give its own. */
  now: instant,
  cases: z.array(policyTestCaseSchema).min(1),
});

export type PolicyTestCase = z.output<typeof policyTestCaseSchema>;
export type RecipientExpectation = z.output<typeof recipientExpectationSchema>;
