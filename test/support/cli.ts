import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** tsx resolved from this repository, so the CLI also runs with a cwd outside it (e.g. a temp dir). */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let cachedEntry: string[] | undefined;

/**
 * How to start the CLI: the compiled `dist/cli/main.js` when it is at least
 * as new as every source file (as after `npm test`, which builds first: a
 * compiled start takes a fraction of tsx's), otherwise the sources through tsx,
 * so a test never runs stale code.
 */
export function cliEntry(): string[] {
  cachedEntry ??= compiledIsFresh() ? [path.join(repoRoot, 'dist/cli/main.js')] : ['--import', tsxLoader, path.join(repoRoot, 'src/cli/main.ts')];
  return cachedEntry;
}

function compiledIsFresh(): boolean {
  const compiled = path.join(repoRoot, 'dist/cli/main.js');
  if (!existsSync(compiled)) return false;
  const builtAt = statSync(compiled).mtimeMs;
  const newerSource = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return newerSource(full);
      return !entry.name.endsWith('.test.ts') && statSync(full).mtimeMs > builtAt;
    });
  return !newerSource(path.join(repoRoot, 'src'));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `isp-hub` CLI as a child process, the way an operator would, and
 * collects what it printed.
 */
export function runIspHub(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return runNode([...cliEntry(), ...args], options);
}

/** Runs one of the repository's TypeScript scripts through tsx, as `npm run <script>` does. */
export function runScript(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runNode(['--import', tsxLoader, path.join(repoRoot, script), ...args], options);
}

function runNode(nodeArgs: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
