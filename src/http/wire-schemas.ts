import { claimsContractTable, envelopeClaimsSchema, type ClaimsContractSettings } from '../envelope/index.js';
import { MESSAGE_TYPES, jsonSchemaOf, messageJsonSchema, messageSchemas, type JsonSchema, type MessageType } from '../messages/index.js';
import type { RouteDeps } from './types.js';

/**
 * The wire contract in /openapi.json: each message type's fields (the same
 * schema GET /v1/schemas/{type} answers), the envelope claims, and for each
 * type the whole JWS payload an agency seals (fields and claims together),
 * which the sealed request bodies point to.
 */
export const messageComponent = (type: MessageType) => `Message.${type}`;
export const sealedPayloadComponent = (type: MessageType) => `SealedPayload.${type}`;
export const ENVELOPE_CLAIMS_COMPONENT = 'EnvelopeClaims';

/** The envelope claims schema, with the claims contract table in its description. */
export function envelopeClaimsJsonSchema(settings: ClaimsContractSettings): JsonSchema {
  const { $schema, ...generated } = jsonSchemaOf(envelopeClaimsSchema(settings));
  return {
    $schema,
    $id: '/v1/schemas/envelope-claims',
    title: 'envelope-claims',
    description: `The claims the envelope adds to the message fields in the JWS payload.\n\n${claimsContractTable(settings)}`,
    ...generated,
  };
}

/** The JWS payload of one type: its fields and the envelope claims in one closed object. */
export function sealedPayloadJsonSchema(type: MessageType, settings: ClaimsContractSettings): JsonSchema {
  const payload = messageSchemas[type].extend(envelopeClaimsSchema(settings).shape);
  return { ...jsonSchemaOf(payload), title: `${type} JWS payload` };
}

/** Registers the components; safe to call from more than one route module. */
export function registerWireSchemas(register: RouteDeps['registerSchema'], settings: ClaimsContractSettings): void {
  register(ENVELOPE_CLAIMS_COMPONENT, envelopeClaimsJsonSchema(settings));
  for (const type of MESSAGE_TYPES) {
    register(messageComponent(type), messageJsonSchema(type));
    register(sealedPayloadComponent(type), sealedPayloadJsonSchema(type, settings));
  }
}

/**
 * A sealed request body: a compact JWE (RFC 7516 s.7.1) whose plaintext is a
 * compact JWS whose payload is one of `types`' payloads. `contentSchema`
 * (JSON Schema 2020-12 validation s.8.5) describes that innermost payload.
 */
export function sealedBodySchema(types: readonly MessageType[]): JsonSchema {
  return {
    type: 'string',
    pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
    contentMediaType: 'application/jose',
    contentSchema: { oneOf: types.map((type) => ({ $ref: `#/components/schemas/${sealedPayloadComponent(type)}` })) },
  };
}
