/**
 * The DPO's side of the audit log: search, entry view,
 * CSV/JSONL export and the subject access report, each logged as audit-read.
 */
export { createAuditSearch, type AuditSearch, type AuditSearchDeps, type AuditSearchPage, type AuditLogPort, type SubjectKeyer, type ExportFormat } from './audit-search.js';
export {
  MAX_SEARCH_LIMIT,
  DEFAULT_SEARCH_LIMIT,
  auditSearchQuerySchema,
  auditFilterSchema,
  searchScopeSchema,
  dpoIdentitySchema,
  subjectIdentifierSchema,
  type AuditSearchQuery,
  type AuditFilter,
  type SearchScope,
  type DpoIdentity,
  type SubjectIdentifier,
} from './query.js';
export {
  buildSubjectReport,
  catalogLookupFrom,
  type CatalogTitles,
  subjectReportToCsv,
  SUBJECT_REPORT_CSV_COLUMNS,
  type CatalogLookup,
  type SubjectReport,
  type DisclosureView,
  type RefusalView,
  type ActivityView,
  type LegalBasisView,
  type PurposeView,
} from './subject-report.js';
export { csvCell, csvRow } from './csv.js';
export { ENTRY_CSV_COLUMNS } from './entry-export.js';
export { auditIndexKeys, type AuditIndexKeys } from './index-keys.js';
