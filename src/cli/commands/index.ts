import type { Command } from 'commander';

/**
 * One line per command group. Each group lives in its own file and exports
 * `register(program)`.
 */
export function registerCommands(program: Command): void {
  void program;
}
