/**
 * The scheme's statistics ledger: pseudonymous, append-only facts fed by the
 * policy engine as one more recipient (ledger-feed.ts), stored in Redis
 * (ledger-store.ts) and erased when their retention ends (ledger-retention.ts).
 * Returns are compiled from it by src/returns.
 */
export { type FactValue, type LedgerFact, type NewFact, fieldOf, fieldValues } from './fact.js';
export { EVENT_DATE_FIELDS, hasOwnEventDate } from './event-dates.js';
export { judgeForLedger, type LedgerJudgement, type LedgerRecord } from './ledger-judgement.js';
export { createStatisticsFeed, type FactPlan, type FeedInput, type StatisticsFeed } from './ledger-feed.js';
export { createLedgerStore, ledgerKeys, type LedgerStore, type LedgerStoreOptions } from './ledger-store.js';
export { eraseExpiredFacts } from './ledger-retention.js';
export { createStatisticsPort, type StatisticsPort } from './statistics-port.js';
