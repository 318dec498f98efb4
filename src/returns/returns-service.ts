import type { AuditEntryInput } from '../audit/entry.js';
import { STATISTICS_PURPOSE, type PolicySet } from '../policy/index.js';
import type { RedisClient } from '../redis/index.js';
import type { LedgerStore } from '../statistics/index.js';
import { compileMeasures } from './compile-return.js';
import type { DisclosureRules } from './disclosure-rules.js';
import { parsePeriod } from './period.js';
import { createRevisionStore } from './revision-store.js';
import { periodOf, type SchemeReturn } from './scheme-return.js';

/**
 * Compiling a return: read the ledger up to its current position, compile,
 * attach the revision, and write an audit entry saying who compiled which
 * period at which position (consulting the ledger is consultation: DPA 2018
 * s.62(1)(c)). The entry's time is the compilation's time; the return holds
 * neither, so compiling again over the same ledger gives the same bytes.
 */
export interface Compiler {
  agency: string;
  actor: { id: string; role: string };
}

export interface ReturnsService {
  compile(periodText: unknown, by: Compiler): Promise<SchemeReturn>;
}

export interface ReturnsServiceDeps {
  ledger: LedgerStore;
  redis: RedisClient;
  prefix: string;
  policy: () => PolicySet;
  audit: { append(input: AuditEntryInput): Promise<unknown> };
  rules: DisclosureRules;
}

export function createReturnsService(deps: ReturnsServiceDeps): ReturnsService {
  const revisions = createRevisionStore(deps.redis, deps.prefix);
  return {
    async compile(periodText, by) {
      const period = parsePeriod(periodText);
      const set = deps.policy();
      const position = await deps.ledger.position();
      const measures = await compileMeasures(deps.ledger.read(position), period, deps.rules);
      const revision = await revisions.revisionFor(period.id, position, measures);
      const schemeReturn: SchemeReturn = {
        format: 'isp-hub-scheme-return/1',
        scheme: set.registry.agencies[0]?.area ?? 'scheme',
        period: periodOf(period),
        policyVersion: set.version,
        ledgerPosition: position,
        revision,
        disclosureControl: { ...deps.rules },
        measures,
      };
      await deps.audit.append({
        event: 'consultation',
        agency: by.agency,
        actor: by.actor,
        purpose: STATISTICS_PURPOSE,
        policyVersion: set.version,
        decision: 'not-applicable',
        recipients: [by.agency],
        outcome: 'return-compiled',
        reason: `Scheme return ${period.id} compiled over statistics ledger position ${position} (revision ${revision.number}); aggregate cells only.`,
      });
      return schemeReturn;
    },
  };
}
