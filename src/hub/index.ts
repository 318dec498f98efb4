export { createHub, type Hub, type HubOptions, type HubParts, type HubRole } from './create-hub.js';
export { loadHubKeyRing, PREVIOUS_KEYS_DIR, type HubKeyRing, type HubKeyPair } from './hub-key-ring.js';
export { readEncryptionKeys, rotateEncryptionKeys } from './hub-encryption-keys.js';
