import { z } from 'zod';
import type { ClaimsContractSettings } from '../../envelope/index.js';
import { HubError } from '../../errors.js';
import { MESSAGE_TYPES, messageJsonSchema } from '../../messages/index.js';
import { errorBodySchema } from '../openapi.js';
import type { RouteModule } from '../types.js';
import { envelopeClaimsJsonSchema, registerWireSchemas } from '../wire-schemas.js';

/**
 * The JSON Schemas of the wire contract, public like /openapi.json: they
 * describe the protocol, never a record, so an integrator can fetch them
 * before holding a certificate.
 */
export const ENVELOPE_CLAIMS_SCHEMA_NAME = 'envelope-claims';

export function schemaRoutes(settings: ClaimsContractSettings): RouteModule {
  // Generated once: the route is public, so an answer must cost no more than a lookup.
  const schemas = new Map<string, unknown>([
    ...MESSAGE_TYPES.map((type) => [type, messageJsonSchema(type)] as const),
    [ENVELOPE_CLAIMS_SCHEMA_NAME, envelopeClaimsJsonSchema(settings)] as const,
  ]);
  const names = [...schemas.keys()];
  return (router, deps) => {
    registerWireSchemas(deps.registerSchema, settings);
    router.get('/v1/schemas/:name', (req, res) => {
      const schema = schemas.get(req.params.name);
      if (schema === undefined) throw new HubError('NOT_FOUND', 'no schema of that name', { expected: names });
      res.type('application/schema+json').json(schema);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/schemas/:name',
      summary: "JSON Schema (2020-12) of a message type's fields, or of the envelope claims",
      description: `\`name\` is a message type (${MESSAGE_TYPES.join(', ')}) or \`${ENVELOPE_CLAIMS_SCHEMA_NAME}\`. The same schemas are in this document's components as Message.<type> and EnvelopeClaims.`,
      tags: ['contract'],
      security: 'none',
      request: { params: z.object({ name: z.enum(names as [string, ...string[]]) }) },
      responses: {
        200: { description: 'The JSON Schema', contentType: 'application/schema+json', schema: z.record(z.string(), z.unknown()) },
        404: { description: 'NOT_FOUND: no schema of that name; details.expected lists the names', schema: errorBodySchema },
      },
    });
  };
}
