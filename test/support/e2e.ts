import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { AgencyClient } from '../../src/client/index.js';
import type { AuditEntry } from '../../src/audit/index.js';
import { readExampleMessage } from '../../src/messages/index.js';
import { repoRoot } from './cli.js';
import type { TestHub } from './hub.js';

/** Helpers shared by the end-to-end tests in test/e2e/. */

export type ExampleMessage = {
  type: string;
  purpose: string;
  actor: { id: string; role: string };
  subject: Record<string, unknown>;
  body: Record<string, unknown>;
  to?: string[];
};

/** A fresh copy of policies/examples/<type>.json with its dates moved to today (tests may change it). */
export async function example(type: string): Promise<ExampleMessage> {
  return readExampleMessage<ExampleMessage>(path.join(repoRoot, 'policies/examples'), type);
}

/** Polls `probe` until it returns something other than undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface IntakeBody {
  id: string;
  recipients: Array<{ agency: string; status: 'queued' } | { agency: string; status: 'denied'; rule: string | null; reason: string }>;
}

export interface TrackingBody {
  messageId: string;
  sender: string;
  recipients: Array<{ agencyId: string; state: string; ruleIds?: string[]; reason?: string }>;
}

/** Waits until the sender's tracking shows `state` for `recipient`, and returns that recipient's row. */
export async function trackUntil(sender: AgencyClient, messageId: string, recipient: string, state: string, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const tracking = await sender.track<TrackingBody>(messageId);
      return tracking.recipients.find((row) => row.agencyId === recipient && row.state === state);
    },
    timeoutMs,
    `tracking ${recipient} -> ${state}`,
  );
}

/** Every audit entry of a hub's log, in log order. */
export async function auditEntries(hub: TestHub): Promise<AuditEntry[]> {
  const log = hub.hub.parts.auditLog;
  const size = await log.size();
  return log.getEntries(Array.from({ length: size }, (_, seq) => seq));
}

/**
 * The log without the statistics ledger's entries (one `fact-written`
 * disclosure per message that feeds it, docs/returns.md): what a test about
 * sharing between agencies counts.
 */
export async function sharingEntries(hub: TestHub): Promise<AuditEntry[]> {
  return (await auditEntries(hub)).filter((entry) => !entry.recipients.includes('scheme-statistics'));
}

/**
 * The leaf paths of a record, arrays written as `[]` the way rules name them
 * (`body.offences[].category`). An empty object or array counts as a leaf.
 */
export function leafPaths(value: unknown, prefix: string): string[] {
  if (Array.isArray(value)) {
    const inner = value.flatMap((item) => leafPaths(item, `${prefix}[]`));
    return inner.length > 0 ? [...new Set(inner)] : [prefix];
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [prefix];
    return [...new Set(entries.flatMap(([key, item]) => leafPaths(item, `${prefix}.${key}`)))];
  }
  return [prefix];
}

/** True when the allow-list entry `allowed` covers the leaf path `leaf` (itself or a parent of it). */
export function covers(allowed: string, leaf: string): boolean {
  return leaf === allowed || leaf.startsWith(`${allowed}.`) || leaf.startsWith(`${allowed}[]`);
}

/** The `disclose` allow-lists of every rule in policies/rules/, by rule id, read straight from the YAML. */
export async function discloseListsByRule(): Promise<Map<string, string[]>> {
  const dir = path.join(repoRoot, 'policies/rules');
  const lists = new Map<string, string[]>();
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.yaml'))) {
    const doc = parse(await readFile(path.join(dir, file), 'utf8')) as { rules: Array<{ id: string; obligations?: { disclose?: Array<string | { path: string }> } }> };
    for (const rule of doc.rules) {
      const disclose = rule.obligations?.disclose;
      if (disclose) lists.set(rule.id, disclose.map((entry) => (typeof entry === 'string' ? entry : entry.path)));
    }
  }
  return lists;
}

/** Reads a dotted path (no arrays) from a record, for comparing a disclosed value with the original. */
export function valueAt(record: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), record);
}
