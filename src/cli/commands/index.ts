import type { Command } from 'commander';
import { register as registerDpo } from './dpo.js';

/**
 * One line per command group. Each group lives in its own file and exports
 * `register(program)`.
 */
export function registerCommands(program: Command): void {
  registerDpo(program);
  void program;
}
