import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './cli.js';

/** One build cache for the test process's `go run`s, outside the repository. */
const cacheDir = mkdtempSync(path.join(tmpdir(), 'isp-go-'));
process.once('exit', () => rmSync(cacheDir, { recursive: true, force: true }));

export interface GoResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `go run test/interop/go/<program>.go args...` with Debian 12's Go (1.19,
 * installed by .ci/run): one file, the standard library only (GO111MODULE=off),
 * nothing fetched.
 */
export function runGo(program: string, args: string[]): Promise<GoResult> {
  const env = { ...process.env, GOCACHE: path.join(cacheDir, 'cache'), GOPATH: path.join(cacheDir, 'path'), GO111MODULE: 'off', GOFLAGS: '', GOTOOLCHAIN: 'local' };
  return new Promise((resolve) => {
    execFile('go', ['run', path.join(repoRoot, 'test/interop/go', program), ...args], { env, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
