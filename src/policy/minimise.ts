import type { Generalisation } from './rule-schema.js';
import { generaliseValue } from './generalise.js';
import type { DiscloseEntry } from './policy-set.js';

/**
 * Data minimisation (DPA 2018 s.37, UK GDPR Art 5(1)(c)): only the fields a
 * rule's allow-list names survive, generalised where the rule says so.
 *
 * `type` and `purpose` always travel: they say what the record is and why it
 * was sent, and carry no data about the subject. Everything else, including
 * `actor` and `to`, must be on the allow-list.
 */

export interface MinimiseResult<T = Record<string, unknown>> {
  readonly record: T;
  /** Leaf paths that left (array elements marked `[]`), sorted. */
  readonly disclosed: readonly string[];
  /** Leaf paths of the input that did not leave, sorted. */
  readonly withheld: readonly string[];
  /** The disclosed paths whose values were generalised. */
  readonly generalised: readonly string[];
}

const ALWAYS_KEPT = new Set(['type', 'purpose']);

interface AllowNode {
  /** The whole subtree is allowed (this node is an allow-list entry). */
  all: boolean;
  /** A forbid withholds this subtree, whatever the allow-list says. */
  denied: boolean;
  generalise?: Generalisation;
  children: Map<string, AllowNode>;
}

function nodeAt(root: AllowNode, path: string): AllowNode {
  let node = root;
  for (const part of path.split('.')) {
    const key = part.endsWith('[]') ? part.slice(0, -2) : part;
    let child = node.children.get(key);
    if (!child) node.children.set(key, (child = { all: false, denied: false, children: new Map() }));
    node = child;
  }
  return node;
}

function buildAllowTree(disclose: readonly DiscloseEntry[], withhold: readonly string[]): AllowNode {
  const root: AllowNode = { all: false, denied: false, children: new Map() };
  for (const entry of disclose) {
    const node = nodeAt(root, entry.path);
    // A plain entry wins over a generalised one for the same path: it already allows more.
    if (!node.all || (node.generalise && !entry.generalise)) {
      node.all = true;
      if (entry.generalise) node.generalise = entry.generalise;
      else delete node.generalise;
    }
  }
  for (const path of withhold) nodeAt(root, path).denied = true;
  return root;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Leaf paths of a value, `[]` after an array's key; empty objects and arrays count as leaves. */
export function leafPathsOf(value: unknown, prefix: string, into: Set<string>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.add(`${prefix}[]`);
    for (const item of value) leafPathsOf(item, `${prefix}[]`, into);
    return;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix !== '') into.add(prefix);
    for (const key of keys) leafPathsOf(value[key], prefix === '' ? key : `${prefix}.${key}`, into);
    return;
  }
  if (prefix !== '') into.add(prefix);
}

interface Walk {
  disclosed: Set<string>;
  generalised: Set<string>;
}

/** An allowance in force from an ancestor: everything below, generalised or not. */
interface Allowance {
  generalise?: Generalisation;
}

function emit(value: unknown, allowance: Allowance, path: string, state: Walk): unknown {
  const out = allowance.generalise ? generaliseValue(value, allowance.generalise) : structuredClone(value);
  if (out !== undefined) {
    leafPathsOf(out, path, state.disclosed);
    if (allowance.generalise) leafPathsOf(out, path, state.generalised);
  }
  return out;
}

function walk(value: unknown, node: AllowNode | undefined, inherited: Allowance | undefined, path: string, state: Walk): unknown {
  if (node?.denied) return undefined;
  const allowance: Allowance | undefined = node?.all ? (node.generalise ? { generalise: node.generalise } : {}) : inherited;
  // Nothing more specific below: the whole value leaves (or none of it).
  if (node === undefined || node.children.size === 0) return allowance ? emit(value, allowance, path, state) : undefined;
  if (Array.isArray(value)) {
    const out = value.map((item) => walk(item, node, allowance, `${path}[]`, state)).filter((item) => item !== undefined);
    return out.length > 0 ? out : undefined;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const childNode = node.children.get(key);
      if (!childNode && !allowance) continue;
      const result = walk(child, childNode, allowance, `${path}.${key}`, state);
      if (result !== undefined) out[key] = result;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  // A scalar where the allow-list expected more structure: only an ancestor's allowance lets it out.
  return allowance ? emit(value, allowance, path, state) : undefined;
}

export function minimise<T extends Record<string, unknown>>(
  record: T,
  obligations: { readonly disclose: readonly DiscloseEntry[]; readonly withhold?: readonly string[] },
): MinimiseResult<Partial<T>> {
  if (!isPlainObject(record)) throw new TypeError('minimise: record must be an object');
  const tree = buildAllowTree(obligations.disclose, obligations.withhold ?? []);
  const state: Walk = { disclosed: new Set(), generalised: new Set() };
  const out: Record<string, unknown> = {};
  const all = new Set<string>();
  for (const [key, value] of Object.entries(record)) {
    if (ALWAYS_KEPT.has(key)) {
      out[key] = structuredClone(value);
      continue;
    }
    if (value === undefined) continue;
    leafPathsOf(value, key, all);
    const node = tree.children.get(key);
    if (!node) continue;
    const result = walk(value, node, undefined, key, state);
    if (result !== undefined) out[key] = result;
  }
  const withheld = [...all].filter((p) => !state.disclosed.has(p));
  return {
    record: out as Partial<T>,
    disclosed: [...state.disclosed].sort(),
    withheld: withheld.sort(),
    generalised: [...state.generalised].sort(),
  };
}
