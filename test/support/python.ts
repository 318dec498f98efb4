import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './cli.js';

/**
 * Debian's own Python, not whatever python3 comes first on PATH (a pyenv or
 * venv one carries other versions of cryptography): the interoperability
 * tests are about Debian 12's python3-cryptography (38) and python3-jwcrypto
 * (1.1), which .ci/run installs.
 */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const PARTNER_SCRIPT = path.join(repoRoot, 'test/interop/python/partner.py');

export interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command of test/interop/python/partner.py; see its docstring. */
export function runPartner(args: string[]): Promise<PythonResult> {
  return new Promise((resolve) => {
    execFile(DEBIAN_PYTHON, [PARTNER_SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON a partner.py command printed, or a failure that shows its stderr. */
export async function partnerJson<T>(args: string[]): Promise<T> {
  const result = await runPartner(args);
  if (result.code !== 0) throw new Error(`partner.py ${args[0]} failed (${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(result.stdout) as T;
}
