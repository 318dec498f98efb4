import path from 'node:path';
import { z } from 'zod';
import { policyInvalid, readYamlSource } from '../registry/yaml-source.js';

/**
 * The scheme's targets (policies/targets.yaml), each against one published
 * figure of a return, with red/amber/green thresholds. RAG follows the
 * delivery group's traffic lights: green on course, amber in some danger,
 * red unlikely to be achieved.
 */
const code = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/);
export const targetSchema = z.strictObject({
  measure: code,
  metric: code,
  title: z.string().min(1).max(200),
  direction: z.enum(['at-most', 'at-least']),
  green: z.number(),
  amber: z.number(),
});
export const targetsFileSchema = z.strictObject({ version: z.literal(1), targets: z.array(targetSchema).max(100) });
export type Target = z.output<typeof targetSchema>;
export type Rag = 'green' | 'amber' | 'red' | 'not-assessable';

export async function loadTargets(policyDir: string): Promise<Target[]> {
  const parsed = await readYamlSource(path.join(policyDir, 'targets.yaml'), targetsFileSchema);
  if (!parsed.ok) throw policyInvalid(parsed.problems);
  return parsed.value.targets;
}

export function ragOf(target: Target, value: number | null): Rag {
  if (value === null) return 'not-assessable';
  const meets = (threshold: number) => (target.direction === 'at-most' ? value <= threshold : value >= threshold);
  if (meets(target.green)) return 'green';
  return meets(target.amber) ? 'amber' : 'red';
}
