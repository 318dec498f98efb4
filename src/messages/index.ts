/**
 * Message types of the PPO Information Sharing Protocol and the subject they
 * are about: one zod schema per type, subject identifiers with their check
 * rules, the leaf field paths the policy may name, and age arithmetic for the
 * children's annex.
 */
export {
  MESSAGE_TYPES,
  QUERY_MESSAGE_TYPES,
  endpointOfMessageType,
  isMessageType,
  bodySchemas,
  messageSchemas,
  messageRecordSchema,
  parseMessageRecord,
  actorSchema,
  type MessageType,
  type MessageRecord,
  type MessageRecordOf,
  type MessageRecordSchemas,
  type MessageIssue,
} from './record.js';
export {
  subjectSchema,
  subjectIdentifiersSchema,
  subjectIdentifiersOf,
  SUBJECT_CATEGORIES,
  type Subject,
  type SubjectIdentifiers,
  type SubjectCategory,
} from './subject.js';
export {
  IDENTIFIER_KINDS,
  identifierProblem,
  identifierSchema,
  isValidIdentifier,
  modulus23CheckLetter,
  normaliseIdentifier,
  type IdentifierKind,
  type IdentifierProblem,
} from './identifiers.js';
export { JSON_SCHEMA_DIALECT, jsonSchemaOf, messageJsonSchema, messageJsonSchemas, type JsonSchema } from './json-schemas.js';
export { fieldPathsOf, isFieldPathOf, leafPathsOf } from './field-paths.js';
export { subjectAgeOn, isChildOn } from './age.js';
export { EXAMPLES_WRITTEN_ON, daysBetween, moveDates, readExampleMessage } from './example-messages.js';
export {
  DATA_CATEGORIES,
  OFFENCE_CATEGORIES,
  PPO_STATUSES,
  PPO_STRANDS,
  PPO_PRIORITIES,
  RISK_LEVELS,
  type DataCategory,
} from './common.js';
export { RISK_FLAG_CODES } from './types/risk-flag-update.js';
export { REFERRAL_NEEDS } from './types/needs-referral.js';
export type { ArrestNotificationBody } from './types/arrest-notification.js';
export type { ChargeNotificationBody } from './types/charge-notification.js';
export type { CourtOutcomeBody } from './types/court-outcome.js';
export type { CustodyReleaseBody } from './types/custody-release.js';
export type { PpoStatusChangeBody } from './types/ppo-status-change.js';
export type { RiskFlagUpdateBody } from './types/risk-flag-update.js';
export type { RiskFlagQueryBody } from './types/risk-flag-query.js';
export type { NeedsReferralBody } from './types/needs-referral.js';
export type { InformationRequestBody } from './types/information-request.js';
export type { InformationResponseBody } from './types/information-response.js';
