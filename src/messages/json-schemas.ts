import { z } from 'zod';
import { MESSAGE_TYPES, isMessageType, messageSchemas, type MessageType } from './record.js';

/**
 * The published JSON Schema (2020-12) of each message type's fields, the
 * object that policies/examples/<type>.json holds and that an agency puts in
 * its JWS payload next to the envelope claims. Generated from the same zod
 * schemas the hub validates with, so the published contract cannot drift
 * from what is enforced. Rules no JSON Schema keyword can state (a PNC check
 * letter, a date that exists, a date of birth not in the future) are in the
 * descriptions; the hub checks them all the same.
 */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export type JsonSchema = Record<string, unknown>;

/** zod's JSON Schema of any schema, in the 2020-12 dialect, as an input (what a sender writes). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The JSON Schema of one message type's fields, with a title and a stable `$id` path. */
export function messageJsonSchema(type: MessageType): JsonSchema {
  if (!isMessageType(type)) throw new TypeError('messageJsonSchema: unknown message type');
  const { $schema: _dialect, ...generated } = jsonSchemaOf(messageSchemas[type]);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `/v1/schemas/${type}`,
    title: type,
    description: `The fields of one ${type} message: what policies/examples/${type}.json holds, sealed with the envelope claims of /v1/schemas/envelope-claims.`,
    ...generated,
  };
}

/** Every message type's schema, by type. */
export function messageJsonSchemas(): Record<MessageType, JsonSchema> {
  return Object.fromEntries(MESSAGE_TYPES.map((type) => [type, messageJsonSchema(type)])) as Record<MessageType, JsonSchema>;
}
