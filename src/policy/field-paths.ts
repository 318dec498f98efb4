/**
 * Dotted field paths as the message schemas name them: `subject.name.given`,
 * `body.offences[].code`, where `[]` marks the elements of an array.
 */

export interface PathStep {
  readonly key: string;
  /** The value under `key` is an array whose elements the rest of the path reads. */
  readonly array: boolean;
}

export function parsePath(path: string): readonly PathStep[] {
  return path.split('.').map((part) => (part.endsWith('[]') ? { key: part.slice(0, -2), array: true } : { key: part, array: false }));
}

/** `body.offences[].code` -> `body.offences.code`: the form used to compare paths regardless of array marks. */
export function plainPath(path: string): string {
  return path.replaceAll('[]', '');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every value at `steps` in `record`, flattening arrays (whether the path
 * marks them or not: a rule author who forgets `[]` still gets the elements).
 */
export function valuesAt(record: unknown, steps: readonly PathStep[]): unknown[] {
  let current: unknown[] = [record];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (!isPlainObject(value) || !Object.hasOwn(value, step.key)) continue;
      const child = value[step.key];
      if (child === undefined) continue;
      if (Array.isArray(child)) next.push(...child);
      else next.push(child);
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/**
 * Whether `path` names something in a schema whose leaf paths are `leaves`:
 * a leaf itself, or a branch above leaves (which stands for all of them).
 * Array marks are compared loosely so that `body.offences` and
 * `body.offences[]` both name the array.
 */
export function pathInSchema(path: string, leaves: ReadonlySet<string>, plainPrefixes: ReadonlySet<string>): boolean {
  return leaves.has(path) || plainPrefixes.has(plainPath(path));
}

/** Leaf paths plus every plain prefix of them, for `pathInSchema`. */
export function schemaPathIndex(leafPaths: readonly string[]): { leaves: ReadonlySet<string>; plainPrefixes: ReadonlySet<string> } {
  const leaves = new Set(leafPaths);
  const plainPrefixes = new Set<string>();
  for (const leaf of leafPaths) {
    const parts = plainPath(leaf).split('.');
    for (let i = 1; i <= parts.length; i += 1) plainPrefixes.add(parts.slice(0, i).join('.'));
  }
  return { leaves, plainPrefixes };
}
