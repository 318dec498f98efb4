import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { policyInvalid, readRegistry, readYamlSource, type SourceProblem } from '../registry/index.js';
import { catalogFileSchema } from './catalog-schema.js';
import { compilePolicySet, type RuleFileInput } from './compile-policy-set.js';
import type { MessageSchemas } from './message-schemas.js';
import type { PolicySet } from './policy-set.js';
import { ruleFileSchema } from './rule-schema.js';

/**
 * A policy set is a folder: catalog.yaml, agencies.yaml and rules/*.yaml
 * (read in name order). Policy tests (tests/) and example messages
 * (examples/) are not part of the set and do not change its version.
 */
export async function readPolicySet(
  dir: string,
  messages: MessageSchemas,
): Promise<{ ok: true; set: PolicySet } | { ok: false; problems: SourceProblem[] }> {
  const root = path.resolve(dir);
  const problems: SourceProblem[] = [];
  const catalog = await readYamlSource(path.join(root, 'catalog.yaml'), catalogFileSchema);
  if (!catalog.ok) problems.push(...catalog.problems);
  const registry = await readRegistry(path.join(root, 'agencies.yaml'));
  if (!registry.ok) problems.push(...registry.problems);

  const rulesDir = path.join(root, 'rules');
  let names: string[] = [];
  try {
    names = (await readdir(rulesDir)).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (error) {
    problems.push({ file: rulesDir, line: 1, message: `cannot read the rules folder (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
  }
  const ruleFiles: RuleFileInput[] = [];
  for (const name of names) {
    const parsed = await readYamlSource(path.join(rulesDir, name), ruleFileSchema);
    if (parsed.ok) ruleFiles.push({ source: parsed.source, rules: parsed.value.rules });
    else problems.push(...parsed.problems);
  }
  // One bad file stops the load: nothing is cross-checked on half a set.
  if (problems.length > 0 || !catalog.ok || !registry.ok) return { ok: false, problems };

  return compilePolicySet({
    dir: root,
    catalog: catalog.value,
    catalogSource: catalog.source,
    registry: registry.registry,
    registrySource: registry.source,
    ruleFiles,
    messages,
    relativeName: (file) => path.relative(root, file).split(path.sep).join('/'),
  });
}

/** Loads a policy set, throwing HubError POLICY_INVALID whose details list every file:line problem. */
export async function loadPolicySet(dir: string, messages: MessageSchemas): Promise<PolicySet> {
  const result = await readPolicySet(dir, messages);
  if (!result.ok) throw policyInvalid(result.problems);
  return result.set;
}
