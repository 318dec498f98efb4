import { createHash } from 'node:crypto';
import type { HubConfig } from '../config/index.js';
import { open } from '../envelope/index.js';
import { HubError } from '../errors.js';
import { parseMessageRecord } from '../messages/index.js';
import { SENDER_ID_EXPECTED, tokenIdSchema } from '../messages/sender-ids.js';
import { SignedEnvelopeRefused } from '../routing/signed-refusal.js';
import type { MessageRecord, OpenedMessage } from '../routing/ports.js';
import type { AgencyDirectory } from './agency-directory.js';
import type { HubKeyRing } from './hub-key-ring.js';

/**
 * The opening steps of a message (docs/architecture.md): decrypt with the hub's
 * key, verify the agency's signature (certificate checked by pki on every
 * use), check aud/iat/exp/jti, then validate the record against its type's
 * schema. The envelope claims iss and the signing certificate must agree.
 */
export function createMessageOpener(config: HubConfig, keys: () => HubKeyRing, agencies: () => AgencyDirectory) {
  return async function openMessage(compact: string): Promise<OpenedMessage> {
    const opened = await open(compact, {
      decryptionKeys: keys().decryptionKeys(),
      resolveSigner: (thumbprint) => agencies().resolveSigner(thumbprint),
      audience: config.HUB_ID,
      clockSkewSeconds: config.CLOCK_SKEW_SECONDS,
      maxLifetimeSeconds: config.MAX_MESSAGE_LIFETIME_SECONDS,
      maxBytes: config.ENVELOPE_MAX_BYTES,
    });
    const { iss, aud: _aud, iat, exp: _exp, jti, ...fields } = opened.claims;
    const signerAgencyId = opened.signer.agencyId;
    let record: MessageRecord;
    try {
      if (iss !== signerAgencyId) throw new HubError('CLAIMS_INVALID', 'iss does not name the agency whose certificate signed the message', { claim: 'iss' });
      // The jti becomes the audit entries' correlation id: one the log could not hold is refused here.
      if (!tokenIdSchema.safeParse(jti).success) {
        throw new HubError('CLAIMS_INVALID', 'the jti holds characters a token id may not', { claim: 'jti', expected: SENDER_ID_EXPECTED.characters });
      }
      record = parseMessageRecord(fields) as unknown as MessageRecord;
    } catch (error) {
      // Signed by a known agency, so its refusal entry may say who sent it.
      if (error instanceof HubError) throw new SignedEnvelopeRefused(error, { jti, actor: fields['actor'] });
      throw error;
    }
    return {
      signerAgencyId,
      jti: String(jti),
      issuedAt: new Date(Number(iat) * 1000),
      record,
      originalHash: createHash('sha256').update(opened.innerJws, 'utf8').digest('hex'),
    };
  };
}
