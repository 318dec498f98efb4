import type { Party } from '../registry/index.js';

/**
 * The hub's own statistics ledger, as the policy engine sees it: one more
 * recipient. Rules grant it records with `to: { roles: [statistics-ledger] }`
 * (or its id), for the purpose below, and `decide()` judges those grants
 * exactly as it judges a grant to a partner agency. It is not in
 * agencies.yaml: it has no certificate and no delivery, so no agency can be
 * sent to it by name and routing never picks it.
 */
export const STATISTICS_LEDGER: Party = Object.freeze({ id: 'scheme-statistics', role: 'statistics-ledger' });

/** The purpose every fact in the ledger is held for; the catalog must define it. */
export const STATISTICS_PURPOSE = 'scheme-performance-statistics';
