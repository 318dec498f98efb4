export {
  createDpoTokenVerifier,
  createEmbeddedDpoIssuer,
  DPO_TOKEN_ALGORITHMS,
  type DpoIdentity,
  type DpoScope,
  type DpoTokenVerifier,
  type EmbeddedDpoIssuer,
} from './dpo-token.js';
