import type { z } from 'zod';
import { isMessageType, messageSchemas, type MessageType } from './record.js';

/**
 * The leaf field paths of a message record, read from its zod schema so they
 * can never drift from what the schema accepts. The policy names these paths
 * in `disclose` allow-lists and in conditions, and refuses a rule that names a
 * path no schema has.
 *
 * Path syntax:
 * - object members are joined with `.`: `subject.name.given`;
 * - `[]` stands for every element of an array: `body.offences[].code`;
 * - an array of scalars is itself a leaf, written with its `[]`:
 *   `body.licence.conditions[]`, `to[]`.
 * Optional and nullable wrappers are transparent: a path exists whether or not
 * a given record carries it.
 */

type AnySchema = z.core.$ZodType;

interface DefLike {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: readonly AnySchema[];
  left?: AnySchema;
  right?: AnySchema;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

function defOf(schema: AnySchema): DefLike {
  return schema._zod.def as unknown as DefLike;
}

function collect(schema: AnySchema, prefix: string, out: Set<string>, depth: number): void {
  if (depth > 32) throw new TypeError('fieldPaths: schema nests too deeply');
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return collect(def.innerType, prefix, out, depth + 1);
  switch (def.type) {
    case 'object': {
      for (const [key, member] of Object.entries(def.shape ?? {})) {
        collect(member, prefix === '' ? key : `${prefix}.${key}`, out, depth + 1);
      }
      return;
    }
    case 'array':
      return collect(def.element as AnySchema, `${prefix}[]`, out, depth + 1);
    case 'pipe':
      // The input side is what senders write and what the record carries.
      return collect(def.in as AnySchema, prefix, out, depth + 1);
    case 'union':
      for (const option of def.options ?? []) collect(option, prefix, out, depth + 1);
      return;
    case 'intersection':
      collect(def.left as AnySchema, prefix, out, depth + 1);
      collect(def.right as AnySchema, prefix, out, depth + 1);
      return;
    case 'record':
    case 'map':
    case 'set':
    case 'tuple':
    case 'lazy':
      // Keys not known in advance cannot be named by a policy; the message
      // schemas do not use these.
      throw new TypeError(`fieldPaths: unsupported schema type ${def.type} at ${prefix || '(root)'}`);
    default:
      if (prefix === '') throw new TypeError('fieldPaths: the root must be an object');
      out.add(prefix);
  }
}

/** Leaf paths of any object schema, in declaration order. */
export function leafPathsOf(schema: AnySchema): readonly string[] {
  const out = new Set<string>();
  collect(schema, '', out, 0);
  return Object.freeze([...out]);
}

const cache = new Map<MessageType, readonly string[]>();

/** Every leaf path of the `type` record: `type`, `purpose`, `actor.*`, `subject.*`, `body.*`, `to[]`. */
export function fieldPathsOf(type: MessageType): readonly string[] {
  if (!isMessageType(type)) throw new TypeError('fieldPathsOf: unknown message type');
  let paths = cache.get(type);
  if (paths === undefined) {
    paths = leafPathsOf(messageSchemas[type]);
    cache.set(type, paths);
  }
  return paths;
}

/** True when `path` is a leaf path of the type, or an object/array prefix of one (e.g. `body.offences[]`). */
export function isFieldPathOf(type: MessageType, path: string): boolean {
  for (const leaf of fieldPathsOf(type)) {
    if (leaf === path || leaf.startsWith(`${path}.`) || leaf.startsWith(`${path}[]`)) return true;
  }
  return false;
}
