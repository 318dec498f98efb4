/**
 * The protocol as files: the catalog, rules and their loader (file:line
 * errors), the compiled index, decide(), minimise(), recipientsFor(), lint
 * and the policy test runner.
 */
export { catalogFileSchema, DEFAULT_FLAG_REVIEW_HORIZON, type Catalog, type FlagReviewHorizon } from './catalog-schema.js';
export { ruleFileSchema, GENERALISATIONS, type Generalisation, type RuleSpec } from './rule-schema.js';
export { loadPolicySet, readPolicySet } from './load-policy-set.js';
export { compilePolicySet, policyVersion } from './compile-policy-set.js';
export { messageSchemasFromMessages, type MessageSchemas, type PolicyMessage } from './message-schemas.js';
export type { CompiledRule, DiscloseEntry, Obligations, PolicySet } from './policy-set.js';
export type { Decision } from './decision.js';
export { decide, recipientsFor, type DecideOptions } from './decide.js';
export { minimise, type MinimiseResult } from './minimise.js';
export { generaliseValue } from './generalise.js';
export { createPolicyStore, type PolicyReloadResult, type PolicyStore } from './policy-store.js';
export { lintPolicySet, type LintFinding } from './lint.js';
export { runPolicyTests, type LedgerJudge, type PolicyTestOptions, type PolicyTestReport, type PolicyTestResult } from './run-policy-tests.js';
export { policyTestFileSchema } from './policy-test-schema.js';
export { capabilitiesOf, type Capabilities, type MessageTypeCapability, type PermitSummary, type ForbidSummary } from './capabilities.js';
export { STATISTICS_LEDGER, STATISTICS_PURPOSE } from './statistics-recipient.js';
