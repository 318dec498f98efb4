import type { Command } from 'commander';
import { register as registerAgencyCommands } from './agency.js';
import { register as registerAudit } from './audit.js';
import { register as registerCerts } from './certs.js';
import { register as registerStart } from './start.js';
import { register as registerKeys } from './keys.js';
import { register as registerDpo } from './dpo.js';
import { register as registerDeliveries } from './deliveries.js';
import { register as registerPolicy } from './policy.js';
import { register as registerReturns } from './returns.js';

/**
 * One line per command group. Each group lives in its own file and exports
 * `register(program)`.
 */
export function registerCommands(program: Command): void {
  registerCerts(program);
  registerStart(program);
  registerKeys(program);
  registerAgencyCommands(program);
  registerDpo(program);
  registerDeliveries(program);
  registerPolicy(program);
  registerAudit(program);
  registerReturns(program);
  void program;
}
