/**
 * The audit log: entries, the append-only
 * Merkle log with signed checkpoints and proofs, the archive, and full
 * verification. Search, export and the subject access report live in
 * ./search/ and read through the log's reader API.
 */
export {
  AUDIT_EVENTS,
  DECISIONS,
  auditEntryInputSchema,
  auditEntrySchema,
  type AuditEntry,
  type AuditEntryInput,
  type AuditEvent,
  type AuditDecision,
} from './entry.js';
export { createSubjectKeyer, normaliseIdentifierValue, type SubjectIdentifier, type SubjectKeyer } from './subject-keys.js';
export { createSigningHistory, SIGNING_HISTORY_FILE, type SigningHistory, type SigningCertificateRecord } from './signing-history.js';
export { createSharedStore, STORE_MARKER_FILE, type SharedStore } from './shared-store.js';
export { createRollbackGuard, type HaltReport, type HaltKind, type RollbackGuard } from './rollback-guard.js';
export { createAuditLog, CHECKPOINT_LOG_FILE, type AuditLog, type AuditLogOptions, type AppendListener } from './log.js';
export type { AppendOptions, BatchToAppend } from './appender.js';
export { auditKeys, indexKeysOf, type AuditKeys, type IndexKind } from './keys.js';
export { signCheckpoint, type CheckpointSigner } from './checkpoint-signer.js';
export { CheckpointScheduler, type CheckpointSchedulerOptions } from './checkpoint-scheduler.js';
export type { ArchiveOptions, ArchiveResult } from './archiver.js';
export { MANIFEST_FILE, MANIFEST_FORMAT, manifestSchema, type Manifest, type ManifestRow } from './archive-store.js';
export { verifyFullLog, type FullVerifyOptions, type FullVerifyReport, type VerifyProblem, type ProblemKind } from './full-verify.js';
export { bulkLoadAuditLog, syntheticAuditInput, type BulkLoadOptions } from './bulk-load.js';
export {
  verifyCheckpoint,
  verifyInclusion,
  verifyConsistency,
  entryLeafHash,
  readCheckpointUnverified,
  readHubCertificates,
  checkpointKeyId,
  inclusionProofSchema,
  consistencyProofSchema,
  checkpointSchema,
  type Checkpoint,
  type SignedCheckpoint,
  type HubCertificates,
  type InclusionProof,
  type ConsistencyProof,
} from './verify/index.js';
