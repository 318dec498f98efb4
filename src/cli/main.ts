#!/usr/bin/env node
import { Command } from 'commander';
import { HubError } from '../errors.js';
import { isRedisFailure, redisFailureLine } from '../redis/index.js';
import { registerCommands } from './commands/index.js';

/**
 * The `isp-hub` command. Each concern registers its own sub-commands in
 * src/cli/commands/; this file only wires them up and turns a HubError into a
 * one-line message and a non-zero exit (no stack traces for operator mistakes).
 * A system error (a hub that is not listening, a missing file) gets one line
 * too: it is the operator's environment, not a bug, and a stack trace would
 * only hide the one fact that matters.
 */
export function buildProgram(): Command {
  const program = new Command('isp-hub')
    .description('Secure information-sharing hub for multi-agency Information Sharing Protocols')
    .version('0.1.0')
    .showHelpAfterError();
  registerCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof HubError) {
      process.stderr.write(`isp-hub: ${error.code}: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    // A socket error (the hub not listening, a refused connection) first: its code says what happened.
    const systemError = describeSystemError(error);
    if (systemError) {
      process.stderr.write(`isp-hub: ${systemError}\n`);
      process.exitCode = 2;
      return;
    }
    if (isRedisFailure(error)) {
      // The reply alone: the error also carries the failed command, which for a script is its whole Lua text.
      process.stderr.write(`isp-hub: UNAVAILABLE: Redis: ${redisFailureLine(error)}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}

/** `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8443` for Node's system errors; undefined for anything else. */
function describeSystemError(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  // fetch() wraps the socket error in a TypeError's `cause`.
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return `${code}: ${current.message}`;
    current = current.cause;
  }
  return undefined;
}

await runCli(process.argv);
