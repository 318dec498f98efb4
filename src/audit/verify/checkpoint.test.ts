import { createHmac } from 'node:crypto';
import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { thumbprintS256 } from '../../pki/thumbprint.js';
import { signCheckpoint } from '../checkpoint-signer.js';
import { createTestSigner } from '../test-signer.js';
import { CHECKPOINT_TYP, readCheckpointUnverified, verifyCheckpoint, type Checkpoint } from './checkpoint.js';

let hub: Awaited<ReturnType<typeof createTestSigner>>;
let other: Awaited<ReturnType<typeof createTestSigner>>;
const checkpoint: Checkpoint = {
  origin: 'northvale-hub',
  treeSize: 1234,
  rootHash: Buffer.alloc(32, 9).toString('base64'),
  time: '2024-05-01T12:00:00.000Z',
};

beforeAll(async () => {
  hub = await createTestSigner();
  other = await createTestSigner('Northvale Impostor');
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('verifyCheckpoint', () => {
  it('accepts the hub signature and returns the payload', async () => {
    const jws = await signCheckpoint(hub, checkpoint);
    expect(await verifyCheckpoint(jws, hub.certificate)).toEqual(checkpoint);
    expect(await verifyCheckpoint(jws, hub.certificatePem)).toEqual(checkpoint);
    expect(readCheckpointUnverified(jws)).toEqual(checkpoint);
    const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: CHECKPOINT_TYP, 'x5t#S256': thumbprintS256(hub.certificate) });
  });

  it('refuses another key, even one naming the hub certificate', async () => {
    const byOther = await signCheckpoint(other, checkpoint);
    await expect(verifyCheckpoint(byOther, hub.certificate)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID', details: { reason: 'signed under another certificate' } });
    const masquerade = await new CompactSign(Buffer.from(JSON.stringify(checkpoint)))
      .setProtectedHeader({ alg: 'ES256', typ: CHECKPOINT_TYP, 'x5t#S256': thumbprintS256(hub.certificate) })
      .sign(other.privateKey);
    await expect(verifyCheckpoint(masquerade, hub.certificate)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID', details: { reason: 'bad signature' } });
  });

  it('refuses a changed payload', async () => {
    const [header, , signature] = (await signCheckpoint(hub, checkpoint)).split('.');
    const bigger = `${header}.${b64url({ ...checkpoint, treeSize: 9999 })}.${signature}`;
    await expect(verifyCheckpoint(bigger, hub.certificate)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID' });
  });

  it('refuses alg none and an HMAC keyed with the public key (algorithm pinned to ES256)', async () => {
    const thumbprint = thumbprintS256(hub.certificate);
    const none = `${b64url({ alg: 'none', typ: CHECKPOINT_TYP, 'x5t#S256': thumbprint })}.${b64url(checkpoint)}.`;
    await expect(verifyCheckpoint(none, hub.certificate)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID' });
    const signingInput = `${b64url({ alg: 'HS256', typ: CHECKPOINT_TYP, 'x5t#S256': thumbprint })}.${b64url(checkpoint)}`;
    const mac = createHmac('sha256', hub.certificatePem).update(signingInput).digest('base64url');
    await expect(verifyCheckpoint(`${signingInput}.${mac}`, hub.certificate)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID', details: { reason: 'algorithm not ES256' } });
  });

  it('refuses a wrong typ and a payload with extra members', async () => {
    const wrongTyp = await new CompactSign(Buffer.from(JSON.stringify(checkpoint)))
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', 'x5t#S256': thumbprintS256(hub.certificate) })
      .sign(hub.privateKey);
    await expect(verifyCheckpoint(wrongTyp, hub.certificate)).rejects.toMatchObject({ details: { reason: 'wrong typ' } });
    const extra = await new CompactSign(Buffer.from(JSON.stringify({ ...checkpoint, note: 'x' })))
      .setProtectedHeader({ alg: 'ES256', typ: CHECKPOINT_TYP, 'x5t#S256': thumbprintS256(hub.certificate) })
      .sign(hub.privateKey);
    await expect(verifyCheckpoint(extra, hub.certificate)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID' });
    await expect(verifyCheckpoint('not-a-jws', hub.certificate)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID' });
  });

  it('refuses an unreadable hub certificate as CERT_MALFORMED', async () => {
    const jws = await signCheckpoint(hub, checkpoint);
    await expect(verifyCheckpoint(jws, 'not a certificate')).rejects.toMatchObject({ code: 'CERT_MALFORMED' });
  });

  it('the signer refuses a key that is not its certificate\'s', async () => {
    await expect(signCheckpoint({ privateKey: other.privateKey, certificate: hub.certificate }, checkpoint)).rejects.toThrow(TypeError);
  });
});
