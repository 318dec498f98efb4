import { z } from 'zod';
import { HubError } from '../errors.js';
import { protocolCode } from './common.js';
import { actorIdSchema } from './sender-ids.js';
import { subjectSchema } from './subject.js';
import { arrestNotificationBody } from './types/arrest-notification.js';
import { chargeNotificationBody } from './types/charge-notification.js';
import { courtOutcomeBody } from './types/court-outcome.js';
import { custodyReleaseBody } from './types/custody-release.js';
import { informationRequestBody } from './types/information-request.js';
import { informationResponseBody } from './types/information-response.js';
import { needsReferralBody } from './types/needs-referral.js';
import { ppoStatusChangeBody } from './types/ppo-status-change.js';
import { riskFlagQueryBody } from './types/risk-flag-query.js';
import { riskFlagUpdateBody } from './types/risk-flag-update.js';

export const MESSAGE_TYPES = [
  'arrest-notification',
  'charge-notification',
  'court-outcome',
  'custody-release',
  'ppo-status-change',
  'risk-flag-update',
  'risk-flag-query',
  'needs-referral',
  'information-request',
  'information-response',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

/**
 * Types that ask the hub a question answered in the same exchange
 * (POST /v1/queries); every other type is a message routed to recipients
 * (POST /v1/messages). Each endpoint refuses the other's types: a query
 * routed as a message would be handed to recipients instead of answered.
 */
export const QUERY_MESSAGE_TYPES = ['risk-flag-query'] as const satisfies readonly MessageType[];

/** The endpoint a message type is sent to. */
export function endpointOfMessageType(type: MessageType): '/v1/messages' | '/v1/queries' {
  return (QUERY_MESSAGE_TYPES as readonly string[]).includes(type) ? '/v1/queries' : '/v1/messages';
}

/** Each type's own body schema. */
export const bodySchemas = {
  'arrest-notification': arrestNotificationBody,
  'charge-notification': chargeNotificationBody,
  'court-outcome': courtOutcomeBody,
  'custody-release': custodyReleaseBody,
  'ppo-status-change': ppoStatusChangeBody,
  'risk-flag-update': riskFlagUpdateBody,
  'risk-flag-query': riskFlagQueryBody,
  'needs-referral': needsReferralBody,
  'information-request': informationRequestBody,
  'information-response': informationResponseBody,
} as const satisfies Record<MessageType, z.ZodObject>;
export type BodySchemas = typeof bodySchemas;

/** The person at the sending agency who caused the message, as their system asserts it. */
export const actorSchema = z
  .strictObject({
    id: actorIdSchema.meta({ description: "The staff id in the sending agency's own system (for example jane.doe@police)" }),
    role: protocolCode.meta({ description: 'Their role, a code' }),
  })
  .meta({ id: 'Actor', description: 'The person at the sending agency who caused the message, as their system asserts it' });

function buildRecordSchema<T extends MessageType>(type: T) {
  return z.strictObject({
    type: z.literal(type).meta({ description: 'The message type' }),
    /** A purpose code from the catalog; the hub refuses one the catalog does not define. */
    purpose: protocolCode.meta({ description: 'A purpose code of the catalog (GET /v1/capabilities lists those this agency may use)' }),
    actor: actorSchema,
    subject: subjectSchema,
    body: bodySchemas[type],
    /** Named recipients (agency ids); omitted: every agency a permit holds for. */
    to: z
      .array(protocolCode)
      .min(1)
      .max(32)
      .optional()
      .meta({ description: 'Named recipients (agency ids); omitted: every agency a permitting rule names' }),
  });
}

type RecordSchemaOf<T extends MessageType> = ReturnType<typeof buildRecordSchema<T>>;
export type MessageRecordSchemas = { [T in MessageType]: RecordSchemaOf<T> };

/** The full record schema for each type: `{ type, purpose, actor, subject, body, to? }`. */
export const messageSchemas: MessageRecordSchemas = Object.freeze(
  Object.fromEntries(MESSAGE_TYPES.map((type) => [type, buildRecordSchema(type)])),
) as MessageRecordSchemas;

export function messageRecordSchema<T extends MessageType>(type: T): MessageRecordSchemas[T] {
  if (!isMessageType(type)) throw new TypeError('messageRecordSchema: unknown message type');
  return messageSchemas[type];
}

/** A validated record of one type. */
export type MessageRecordOf<T extends MessageType> = z.infer<MessageRecordSchemas[T]>;
/** A validated record of any type, discriminated on `type`. */
export type MessageRecord = { [T in MessageType]: MessageRecordOf<T> }[MessageType];

/** One failing place in a record: its path and a reason code, never the value. */
export interface MessageIssue {
  path: string;
  code: string;
  /** For a value outside a fixed list (an enum or a literal): the values the schema allows. */
  allowed?: string[];
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(record)' : out;
}

/** Unknown keys are names chosen by the sender; keep them short and printable. */
function safeKey(key: string): string {
  const cleaned = key.replace(/[^A-Za-z0-9_-]/g, '?');
  return cleaned.length > 64 ? `${cleaned.slice(0, 64)}...` : cleaned;
}

function issuesOf(error: z.ZodError): MessageIssue[] {
  const out: MessageIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, safeKey(key)]), code: 'unrecognized_key' });
      continue;
    }
    const params = issue.code === 'custom' ? (issue.params as { problem?: unknown } | undefined) : undefined;
    const code = typeof params?.problem === 'string' ? params.problem : issue.code;
    // The allowed values come from the schema, never from the record, so they are safe to echo.
    const allowed = issue.code === 'invalid_value' ? issue.values.map(String) : undefined;
    out.push({ path: formatPath(issue.path), code, ...(allowed ? { allowed } : {}) });
  }
  return out.slice(0, 50);
}

function isIdentifierIssue(issue: z.core.$ZodIssue): boolean {
  return issue.path[0] === 'subject' && issue.path[1] === 'identifiers';
}

/**
 * Validates a record from outside against its type's schema.
 *
 * - `MESSAGE_TYPE_UNKNOWN`: `type` is a string that names no message type.
 * - `SUBJECT_IDENTIFIER_INVALID`: every problem is with the subject's
 *   identifiers (a bad format, a wrong check character, none given).
 * - `MESSAGE_INVALID`: anything else (including a record whose identifiers
 *   are bad as well as other fields).
 *
 * `details.issues` lists the failing paths with a reason code; values never
 * appear, since error details can reach logs and other agencies.
 */
export function parseMessageRecord(input: unknown): MessageRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new HubError('MESSAGE_INVALID', 'message record must be a JSON object', { issues: [{ path: '(record)', code: 'invalid_type' }] });
  }
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string') {
    throw new HubError('MESSAGE_INVALID', 'message record has no type', { issues: [{ path: 'type', code: 'invalid_type' }] });
  }
  if (!isMessageType(type)) {
    throw new HubError('MESSAGE_TYPE_UNKNOWN', 'message type is not one the protocol knows', { knownTypes: [...MESSAGE_TYPES] });
  }
  const result = messageSchemas[type].safeParse(input);
  if (result.success) return result.data as MessageRecord;
  const issues = issuesOf(result.error);
  if (result.error.issues.every(isIdentifierIssue)) {
    throw new HubError('SUBJECT_IDENTIFIER_INVALID', 'a subject identifier is missing or fails its check', { issues });
  }
  throw new HubError('MESSAGE_INVALID', `message record does not match the ${type} schema`, { issues });
}
