import type { FactValue } from './fact.js';
import { isFactPath, isSafeFactValue } from './fact-values.js';

/**
 * Flattens a minimised record into fact fields: one entry per leaf path,
 * array elements collected under their `[]` path (`body.offences[].category`;
 * a list of codes is kept under its own path). Fields that are not body
 * fields, or whose values are not codes, days, small numbers or booleans, are
 * refused and named, so the audit entry shows them as withheld.
 */
export function factFieldsOf(record: Record<string, unknown>): { fields: Record<string, FactValue | FactValue[]>; refused: string[] } {
  const collected = new Map<string, { values: FactValue[]; list: boolean }>();
  const refused = new Set<string>();
  const visit = (value: unknown, path: string, list: boolean) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, `${path}[]`, true);
      return;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`, list);
      return;
    }
    const leaf = path.endsWith('[]') ? path.slice(0, -2) : path;
    if (!isFactPath(leaf) || !isSafeFactValue(value)) {
      refused.add(leaf);
      return;
    }
    const entry = collected.get(leaf) ?? { values: [], list };
    entry.values.push(value);
    collected.set(leaf, entry);
  };
  for (const [key, value] of Object.entries(record)) {
    if (key === 'type' || key === 'purpose') continue;
    visit(value, key, false);
  }
  const fields: Record<string, FactValue | FactValue[]> = {};
  for (const path of [...collected.keys()].sort()) {
    if (refused.has(path)) continue;
    const { values, list } = collected.get(path)!;
    fields[path] = list ? values : values[0]!;
  }
  return { fields, refused: [...refused].sort() };
}
