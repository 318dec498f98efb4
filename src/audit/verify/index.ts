/**
 * The standalone verifier: pure functions that need only the hub's signing
 * certificate (no Redis, no files). The client SDK re-exports these.
 */
export {
  verifyCheckpoint,
  readCheckpointUnverified,
  readHubCertificates,
  checkpointKeyId,
  checkpointSchema,
  CHECKPOINT_ALG,
  CHECKPOINT_TYP,
  type Checkpoint,
  type SignedCheckpoint,
  type HubCertificates,
} from './checkpoint.js';
export {
  verifyInclusion,
  verifyConsistency,
  entryLeafHash,
  inclusionProofSchema,
  consistencyProofSchema,
  type InclusionProof,
  type ConsistencyProof,
} from './proofs.js';
export { leafHash, nodeHash, canonicalBytes, EMPTY_ROOT, HASH_BYTES } from './hashing.js';
export {
  MerkleFrontier,
  rootHash,
  subtreeHash,
  inclusionPath,
  consistencyPath,
  rootFromInclusionPath,
  consistencyPathHolds,
  withFetchedBlocks,
  MissingBlockError,
  type BlockReader,
  type BlockRef,
} from './merkle.js';
