import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOperationRegistry } from './openapi.js';

describe('operation registry', () => {
  it('turns express :params into OpenAPI {params} and refuses a second registration of one operation', () => {
    const registry = createOperationRegistry();
    registry.registerOperation({ method: 'post', path: '/v1/inbox/:id/ack', summary: 'Ack', responses: { 204: { description: 'Done' } } });
    expect(registry.operations().map((operation) => operation.path)).toEqual(['/v1/inbox/{id}/ack']);
    expect(() => registry.registerOperation({ method: 'post', path: '/v1/inbox/{id}/ack', summary: 'Again', responses: {} })).toThrow(TypeError);
  });

  it('hoists shared and recursive schemas into components so every $ref resolves in the document', () => {
    const registry = createOperationRegistry();
    const node: z.ZodType = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    const agency = z.object({ id: z.string() }).meta({ id: 'AgencyRef' });
    registry.registerOperation({
      method: 'post',
      path: '/v1/trees',
      summary: 'Trees',
      request: { body: { contentType: 'application/json', schema: z.object({ root: node, from: agency, to: agency }) } },
      responses: { 201: { description: 'Made', schema: z.object({ id: z.string() }) } },
    });
    const document = registry.document({ title: 't', version: '1' });
    const text = JSON.stringify(document);
    expect(text).not.toContain('#/$defs/');
    expect(text).not.toContain('"$schema"');
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(schemas).toHaveProperty(name as string);
    expect(schemas).toHaveProperty('AgencyRef');
  });

  it('describes a body by its request (input) shape: defaults are optional for the sender', () => {
    const registry = createOperationRegistry();
    registry.registerOperation({
      method: 'post',
      path: '/v1/x',
      summary: 'x',
      request: { body: { contentType: 'application/json', schema: z.object({ page: z.number().default(1), q: z.string() }) } },
      responses: {},
    });
    const document = registry.document({ title: 't', version: '1' }) as any;
    expect(document.paths['/v1/x'].post.requestBody.content['application/json'].schema.required).toEqual(['q']);
  });

  it('keeps named JSON Schemas in components (their $defs hoisted beside them) for bodies to refer to, and refuses one name for two schemas', () => {
    const registry = createOperationRegistry();
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: '/v1/schemas/x', type: 'object', properties: { who: { $ref: '#/$defs/Who' } }, $defs: { Who: { type: 'string' } } };
    registry.registerSchema('Message.x', schema);
    registry.registerSchema('Message.x', schema);
    expect(() => registry.registerSchema('Message.x', { type: 'string' })).toThrow(TypeError);
    expect(() => registry.registerSchema('no spaces please', { type: 'string' })).toThrow(TypeError);
    registry.registerOperation({
      method: 'post',
      path: '/v1/x',
      summary: 'x',
      request: { body: { contentType: 'application/jose', jsonSchema: { type: 'string', contentSchema: { $ref: '#/components/schemas/Message.x' } } } },
      responses: {},
    });
    const document = registry.document({ title: 't', version: '1' }) as any;
    expect(document.components.schemas['Message.x']).toEqual({ type: 'object', properties: { who: { $ref: '#/components/schemas/Who' } } });
    expect(document.components.schemas.Who).toEqual({ type: 'string' });
    expect(document.paths['/v1/x'].post.requestBody.content['application/jose'].schema.contentSchema).toEqual({ $ref: '#/components/schemas/Message.x' });
  });
});
