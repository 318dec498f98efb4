export {
  createDpoTokenVerifier,
  createEmbeddedDpoIssuer,
  DPO_TOKEN_ALGORITHMS,
  type DpoIdentity,
  type DpoScope,
  type DpoTokenVerifier,
  type EmbeddedDpoIssuer,
} from './dpo-token.js';
export {
  EMBEDDED_DPO_KEY_FILE,
  embeddedDpoIssuerUrl,
  embeddedDpoKeyPath,
  loadOrCreateEmbeddedDpoIssuer,
} from './embedded-issuer-store.js';
