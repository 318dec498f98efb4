import type { MeasureResult } from './compile-return.js';
import type { DisclosureRules } from './disclosure-rules.js';
import type { Period } from './period.js';

/**
 * A scheme return as published: aggregate cells only, the period, the
 * policy set in force and the ledger position it covers. The time of
 * compilation and who compiled it are not in it (they go to the audit log),
 * so the same period over the same ledger gives the same bytes.
 */
export interface Revision {
  /** 1 for the first compilation of the period; one more each time its figures change. */
  number: number;
  /** The ledger position of the compilation this one revises, when it does. */
  revisesLedgerPosition: number | null;
  /** `measure_id [breakdown]` of each cell that changed since that compilation. */
  changedCells: string[];
}

export interface SchemeReturn {
  format: 'isp-hub-scheme-return/1';
  scheme: string;
  period: { id: string; start: string; end: string };
  policyVersion: string;
  ledgerPosition: number;
  revision: Revision;
  disclosureControl: DisclosureRules;
  measures: MeasureResult[];
}

export function periodOf(period: Period): SchemeReturn['period'] {
  return { id: period.id, start: period.start, end: period.end };
}

/** The key a cell is known by across compilations. */
export function cellKey(measureId: string, metric: string, breakdown: string): string {
  return `${measureId}.${metric} [${breakdown}]`;
}
