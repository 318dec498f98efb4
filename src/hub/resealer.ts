import { randomUUID } from 'node:crypto';
import type { HubConfig } from '../config/index.js';
import { seal } from '../envelope/index.js';
import type { ResealPort } from '../routing/ports.js';
import type { AgencyDirectory } from './agency-directory.js';
import type { HubKeyRing } from './hub-key-ring.js';

/**
 * Resealing (docs/architecture.md): the hub signs the minimised
 * record with its own key (never forwarding the sender's signature over data
 * the recipient may not see) and encrypts it to the recipient's certificate.
 * A delivery stays openable for as long as it may wait in an inbox.
 */
export function createResealer(config: HubConfig, keys: HubKeyRing, agencies: () => AgencyDirectory): ResealPort {
  const lifetimeSeconds = Math.min(7 * 24 * 3600, Math.max(24 * 3600, config.INBOX_TTL_SECONDS + 3600));
  return {
    async sealForRecipient(recipient, claims) {
      const iat = Math.floor(Date.now() / 1000);
      const provenance = claims['provenance'] as { messageId?: string } | undefined;
      return seal({
        claims: {
          ...claims,
          iss: config.HUB_ID,
          aud: recipient,
          iat,
          exp: iat + lifetimeSeconds,
          jti: provenance?.messageId ? `${provenance.messageId}:${recipient}` : randomUUID(),
        },
        signer: { privateKey: keys.signing.privateKey, certificate: keys.signing.certificate },
        recipient: agencies().recipientKey(recipient),
      });
    },
  };
}
