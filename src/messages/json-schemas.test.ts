import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parseMessageRecord } from './record.js';
import { MESSAGE_TYPES } from './record.js';
import { messageJsonSchema } from './json-schemas.js';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies/examples');
const readExample = async (type: string) => JSON.parse(await readFile(path.join(examplesDir, `${type}.json`), 'utf8')) as Record<string, unknown>;

/** An independent validator (ajv, JSON Schema 2020-12 with formats), strict about unknown keywords. */
function validatorFor(type: (typeof MESSAGE_TYPES)[number]) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(messageJsonSchema(type));
}

describe('published message schemas', () => {
  it.each(MESSAGE_TYPES)('%s: policies/examples validates against its JSON Schema, and the hub accepts it too', async (type) => {
    const example = await readExample(type);
    const validate = validatorFor(type);
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseMessageRecord(example)).not.toThrow();
  });

  it('refuses a broken example: a missing required field, an enum value outside the list, an unknown field, a bad date format', async () => {
    const validate = validatorFor('arrest-notification');
    const example = await readExample('arrest-notification');
    const subject = example.subject as Record<string, unknown>;
    const body = example.body as Record<string, unknown>;
    const broken = [
      { ...example, purpose: undefined },
      { ...example, subject: { ...subject, category: 'bystander' } },
      { ...example, body: { ...body, shoeSize: 9 } },
      { ...example, subject: { ...subject, dateOfBirth: '12/03/1990' } },
      { ...example, subject: { ...subject, identifiers: {} } },
      { ...example, type: 'court-outcome' },
    ].map((record) => JSON.parse(JSON.stringify(record)) as unknown);
    for (const record of broken) expect(validate(record)).toBe(false);
    validate(broken[1]);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/subject/category', keyword: 'enum', params: { allowedValues: ['suspect', 'convicted', 'victim', 'witness', 'child-at-risk'] } }));
  });

  it('gives every schema the 2020-12 dialect, its own $id, required fields, formats and descriptions', () => {
    for (const type of MESSAGE_TYPES) {
      const schema = messageJsonSchema(type);
      expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `/v1/schemas/${type}`, type: 'object', additionalProperties: false });
      expect(schema.required).toEqual(['type', 'purpose', 'actor', 'subject', 'body']);
      const text = JSON.stringify(schema);
      expect(text).toContain('"format":"date"');
      expect(text).toContain('"description"');
    }
  });
});
