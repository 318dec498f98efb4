/**
 * Scheme returns: the measures compiled from the statistics ledger
 * (src/statistics), disclosure control, revisions, and the JSON, CSV and
 * XLSX forms a return is published in.
 */
export { createReturnsService, type Compiler, type ReturnsService, type ReturnsServiceDeps } from './returns-service.js';
export { compileMeasures, type MeasureResult } from './compile-return.js';
export { DEFAULT_DISCLOSURE_RULES, type DisclosureRules } from './disclosure-rules.js';
export { MEASURES } from './measures/index.js';
export { parsePeriod, previousPeriod, quarterOf, type Period } from './period.js';
export type { SchemeReturn, Revision } from './scheme-return.js';
export type { Cell, Unit } from './cells.js';
export { returnJson } from './formats/return-json.js';
export { returnCsv, CSV_HEADER } from './formats/return-csv.js';
export { returnXlsx } from './formats/return-xlsx.js';
export { parseReturnFormat, renderReturn, RETURN_FORMATS, type ReturnFormat } from './formats/render.js';
export { disclosureRulesFrom } from './rules-from-config.js';
export { loadTargets, ragOf, type Rag, type Target } from './targets.js';
