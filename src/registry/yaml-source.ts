import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { HubError } from '../errors.js';

/**
 * YAML files of the protocol (policies/*.yaml), read so that every problem can
 * be reported as `file:line: what was expected`. An ISP owner edits these files
 * by hand; a message that names the line is the difference between a fix and
 * a support call.
 *
 * This lives in registry/ because registry is the lowest folder that reads
 * protocol files; policy/ (which depends on registry) uses it too.
 */

export interface SourceProblem {
  file: string;
  line: number;
  message: string;
}

export type PathSegment = string | number;

export interface YamlSource {
  readonly file: string;
  /** Raw bytes, for the policy set version hash. */
  readonly text: string;
  /** The 1-based line of the node at `path`, or of its nearest ancestor that exists. */
  lineOf(path: readonly PathSegment[]): number;
  problem(path: readonly PathSegment[], message: string): SourceProblem;
}

export function formatProblem(problem: SourceProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

/** One bad file stops the load: the caller gets every problem found, with file and line. */
export function policyInvalid(problems: readonly SourceProblem[]): HubError {
  const first = problems[0];
  const summary = first ? formatProblem(first) : 'policy files are invalid';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new HubError('POLICY_INVALID', `${summary}${more}`, {
    problems: problems.map((p) => ({ file: p.file, line: p.line, message: p.message })),
  });
}

function nodeAndLine(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PathSegment[],
): number {
  let node: unknown = doc.contents;
  let line = lineFromNode(node, lineCounter) ?? 1;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return line;
      line = lineFromNode(pair.key, lineCounter) ?? line;
      node = pair.value;
      // A key with an empty value (`key:`) has no value node: stay on the key's line.
      if (node == null) return line;
      // Scalars and inline collections sit on the key's line; a block collection
      // starts below it, but for a message about the collection as a whole the key line is best.
      if (isScalar(node)) line = lineFromNode(node, lineCounter) ?? line;
    } else if (isSeq(node)) {
      const item = typeof segment === 'number' ? node.items[segment] : undefined;
      if (item == null) return line;
      node = item;
      line = lineFromNode(node, lineCounter) ?? line;
    } else {
      return line;
    }
  }
  return line;
}

function lineFromNode(node: unknown, lineCounter: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (!range) return undefined;
  return lineCounter.linePos(range[0]).line;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  if (issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined) {
    return `${where}required field is missing (expected ${issue.expected})`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `${where}unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
  }
  return `${where}${issue.message}`;
}

/**
 * Parses `text` as YAML and validates it with `schema`. Returns the value and
 * a source handle for later cross-checks, or the problems found (YAML syntax
 * first; zod issues only when the syntax is sound).
 */
export function parseYamlSource<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { ok: true; value: z.output<S>; source: YamlSource } | { ok: false; problems: SourceProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const source: YamlSource = {
    file,
    text,
    lineOf: (path) => nodeAndLine(doc, lineCounter, path),
    problem: (path, message) => ({ file, line: nodeAndLine(doc, lineCounter, path), message }),
  };
  if (doc.errors.length > 0) {
    // Only the first syntax error: the parser's later errors are mostly echoes of it.
    return {
      ok: false,
      problems: doc.errors.slice(0, 1).map((error) => ({
        file,
        line: error.linePos?.[0]?.line ?? 1,
        message: `YAML syntax: ${error.message.split('\n')[0] ?? error.code}`,
      })),
    };
  }
  const parsed = schema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        file,
        line: nodeAndLine(doc, lineCounter, issue.path as PathSegment[]),
        message: describeIssue(issue),
      })),
    };
  }
  return { ok: true, value: parsed.data, source };
}

/** Reads and parses one file; a missing or unreadable file is a problem at line 1. */
export async function readYamlSource<S extends z.ZodType>(
  file: string,
  schema: S,
): Promise<ReturnType<typeof parseYamlSource<S>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, problems: [{ file, line: 1, message: `cannot read file (${reason})` }] };
  }
  return parseYamlSource(file, text, schema);
}
