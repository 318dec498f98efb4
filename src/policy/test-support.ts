import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isHubError } from '../errors.js';
import { loadPolicySet } from './load-policy-set.js';
import { messageSchemasFromMessages } from './message-schemas.js';
import type { PolicyMessage } from './message-schemas.js';
import type { PolicySet } from './policy-set.js';

/** Helpers for this folder's tests: a policy folder in a temp dir with the real catalog and agencies. */

export const policiesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies');

export async function policyDirWith(rules: Record<string, string>, overrides: { catalog?: string; agencies?: string } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'policy-'));
  await mkdir(path.join(dir, 'rules'));
  if (overrides.catalog !== undefined) await writeFile(path.join(dir, 'catalog.yaml'), overrides.catalog);
  else await copyFile(path.join(policiesDir, 'catalog.yaml'), path.join(dir, 'catalog.yaml'));
  if (overrides.agencies !== undefined) await writeFile(path.join(dir, 'agencies.yaml'), overrides.agencies);
  else await copyFile(path.join(policiesDir, 'agencies.yaml'), path.join(dir, 'agencies.yaml'));
  for (const [name, text] of Object.entries(rules)) await writeFile(path.join(dir, 'rules', name), text);
  return dir;
}

export async function loadWith(rules: Record<string, string>): Promise<PolicySet> {
  return loadPolicySet(await policyDirWith(rules), messageSchemasFromMessages());
}

/** The problems a failing load reports. */
export async function problemsLoading(dir: string): Promise<Array<{ file: string; line: number; message: string }>> {
  try {
    await loadPolicySet(dir, messageSchemasFromMessages());
  } catch (error) {
    if (isHubError(error, 'POLICY_INVALID')) return error.details?.problems as Array<{ file: string; line: number; message: string }>;
    throw error;
  }
  throw new Error('expected the policy set to fail to load');
}

export async function example(type: string, changes: Record<string, unknown> = {}): Promise<PolicyMessage> {
  const record = JSON.parse(await readFile(path.join(policiesDir, 'examples', `${type}.json`), 'utf8')) as Record<string, unknown>;
  for (const [dotted, value] of Object.entries(changes)) {
    const parts = dotted.split('.');
    let node = record;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    node[parts.at(-1) as string] = value;
  }
  return record as unknown as PolicyMessage;
}

/** A rule file with one permit from police to probation for arrest notifications; `extra` is appended to the rule. */
export function permitYaml(id: string, extra = '', head = ''): string {
  return `version: 1
rules:
  - id: ${id}
    effect: permit
    description: Test permit.
    clause: "T.1"
    messageTypes: [arrest-notification]
    from: { roles: [police] }
    to: { roles: [probation] }
    purposes: [catch-and-convict]
    legalBases: [cda-1998-s115]
    dataCategories: [identity]
${head}    obligations:
      disclose: [subject.name, subject.dateOfBirth, body.offences]
      marking: OFFICIAL
      retainDays: 30
${extra}`;
}
