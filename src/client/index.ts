/**
 * isp-hub/client: the SDK an agency uses to seal, send, query, pull and open
 * deliveries, and to check the hub's audit proofs.
 */
export { AgencyClient, type AgencyClientOptions, type OutgoingMessage, type SendOptions, type HubAnswer } from './agency-client.js';
export { webhookReceiver, type Delivery } from './webhook-receiver.js';
export { createHttpsTransport, type TlsCredentials, type HttpsTransport, type HttpResponse } from './https-transport.js';
export type { CertificateCheck } from './hub-keys.js';
export { createAgencyClientFromFiles, type AgencyFiles } from './from-files.js';
export { AGENCY_FILES, agencyFilesIn } from './agency-files.js';
export type { EncryptionKeyPair } from './decryption-keys.js';
/** The standalone audit verifiers: a partner or auditor needs only the hub's certificate (docs/audit-format.md). */
export {
  verifyCheckpoint,
  verifyInclusion,
  verifyConsistency,
  entryLeafHash,
  type Checkpoint,
  type SignedCheckpoint,
  type InclusionProof,
  type ConsistencyProof,
} from '../audit/verify/index.js';
