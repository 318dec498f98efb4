import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from './logger.js';

/**
 * For tests only: a logger whose JSON lines are kept, parsed, in `lines`,
 * so a test can assert on what the hub logs (event names, codes, counts).
 */
export function captureLog(level = 'warn'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ stream, level }), lines };
}
