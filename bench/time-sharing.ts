/**
 * npm run bench:time-sharing: what taking turns on one core costs code
 * that does not share anything.
 *
 * Runs the envelope's `open` in a loop (bench/time-sharing/open-loop.ts) in
 * 1, then 3 processes at once, all bound to CPU 0 with taskset, and prints
 * each process's opens a second and CPU per open. The loop does no I/O and
 * its processes share nothing, so whatever CPU per open grows from 1 to 3
 * is what time-sharing a core costs by itself (context switches between
 * processes, caches warmed by another process). bench:scale shows the same
 * for the hub's whole request path, whose compiled code is far larger.
 *
 * Options: --processes N (3) --seconds N (10). Prints figures, asserts
 * nothing; run it on a quiet machine.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { positiveNumberOption } from './options.js';

const most = positiveNumberOption('processes', 3);
if (!Number.isInteger(most)) throw new TypeError('--processes must be a whole number');
const seconds = positiveNumberOption('seconds', 10);
const loopScript = path.join(import.meta.dirname, 'time-sharing', 'open-loop.ts');

interface LoopResult {
  opensPerSecond: number;
  cpuMicrosPerOpen: number;
}

/** One loop process on CPU 0, starting its warm-up at `startAt` with the others. */
function runLoop(startAt: number): Promise<LoopResult> {
  const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', loopScript], {
    env: { ...process.env, START_AT: String(startAt), WINDOW_MS: String(seconds * 1000) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(output) as LoopResult) : reject(new Error(`the open loop exited with ${code}`))));
  });
}

process.stdout.write(`bench:time-sharing: the envelope's open, 16 in flight, ${seconds} s after 4 s warm-up, every process on CPU 0, Node ${process.version}\n\n`);
process.stdout.write('| processes on CPU 0 | opens per second, each | opens per second, all | CPU per open, each |\n|---|---|---|---|\n');
for (const count of [...new Set([1, most])]) {
  // Time for every process to load and seal its messages before the shared start.
  const startAt = Date.now() + 8000;
  const results = await Promise.all(Array.from({ length: count }, () => runLoop(startAt)));
  const total = results.reduce((sum, result) => sum + result.opensPerSecond, 0);
  process.stdout.write(
    `| ${count} | ${results.map((result) => result.opensPerSecond).join(', ')} | ${total} | ${results.map((result) => `${result.cpuMicrosPerOpen} µs`).join(', ')} |\n`,
  );
}
