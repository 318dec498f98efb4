/**
 * The sealed envelope: a compact JWS inside a compact JWE (docs/envelope.md).
 * The same two functions serve agencies (seal to the hub, open
 * from the hub) and the hub (open from an agency, reseal to a recipient).
 */
export { seal } from './seal.js';
export { open } from './open.js';
export {
  JWS_ALGORITHMS,
  JWE_KEY_ALGORITHMS,
  JWE_CONTENT_ENCRYPTION,
  ENVELOPE_MEDIA_TYPE,
  DEFAULT_ENVELOPE_ALGORITHMS,
  ENCRYPTION_KEY_TYPES_BY_SPEED,
  encryptionKeyTypeOf,
  jwsAlgorithmForKey,
  jweAlgorithmForKey,
  type JwsAlgorithm,
  type JweKeyAlgorithm,
  type EncryptionKeyType,
} from './algorithms.js';
export type { EnvelopeClaims } from './claims.js';
export {
  claimsContract,
  claimsContractTable,
  envelopeClaimsSchema,
  DEFAULT_CLAIMS_CONTRACT_SETTINGS,
  type ClaimRule,
  type ClaimsContractSettings,
} from './claims-contract.js';
export type { DecryptionKey } from './headers.js';
export type { SealInput, SealSigner, SealRecipient, OpenOptions, OpenedEnvelope, ResolvedSigner } from './types.js';
