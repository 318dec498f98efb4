import { MESSAGE_TYPES, fieldPathsOf, isMessageType } from '../messages/index.js';
/**
 * What the policy engine needs to know about message types: their names and
 * the field paths each one has. Kept as an interface so the engine can be
 * tested with small synthetic schemas; `messageSchemasFromMessages()` binds
 * it to src/messages.
 */
export interface MessageSchemas {
  readonly types: readonly string[];
  /** Dotted leaf paths of a record of this type (`[]` marks array elements). */
  fieldPathsOf(type: string): readonly string[];
}

/**
 * The record shape decide() and minimise() read. A parsed MessageRecord from
 * src/messages fits it; the engine reads other fields only through paths.
 */
export interface PolicyMessage {
  readonly type: string;
  readonly purpose: string;
  readonly subject?: { readonly dateOfBirth?: string; readonly category?: string } & Readonly<Record<string, unknown>>;
  readonly to?: readonly string[];
  readonly [field: string]: unknown;
}

/** The engine bound to the protocol's real message types (src/messages). */
export function messageSchemasFromMessages(): MessageSchemas {
  return { types: MESSAGE_TYPES, fieldPathsOf: (type) => (isMessageType(type) ? fieldPathsOf(type) : []) };
}
