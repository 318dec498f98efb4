import { X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencyFilesIn, createAgencyClientFromFiles } from '../../src/client/index.js';
import { thumbprintS256 } from '../../src/pki/thumbprint.js';
import type { InboxListing } from '../../src/routing/delivery/index.js';
import { runIspHub } from '../support/cli.js';
import { eventually, example, type IntakeBody } from '../support/e2e.js';
import { certsDir, copyPolicies, startReceiver, startTestHub, type TestHub, type TestReceiver } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * Agencies with a separate RSA encryption certificate (agencies.yaml
 * `encryptionCertificate`): the hub seals their deliveries to it, under its
 * thumbprint, and the SDK opens them. An agency whose entry names none still
 * gets deliveries sealed to its one P-256 certificate, and they open too.
 */

const thumbprintOf = async (agencyId: string, file: string) =>
  thumbprintS256(new X509Certificate(await readFile(path.join(certsDir, 'agencies', agencyId, file), 'utf8')));

describe('deliveries to agencies with an encryption certificate', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let dataDir: string;
  let probation: TestReceiver;

  beforeAll(async () => {
    redis = await startTestRedis();
    probation = await startReceiver('nv-probation');
    dataDir = await mkdtemp(path.join(tmpdir(), 'isp-hub-encryption-'));
    const policyDir = await copyPolicies(dataDir, { 'nv-probation': probation.url });
    // nv-cps keeps the one-certificate layout: its entry names no encryption certificate.
    const agenciesFile = path.join(policyDir, 'agencies.yaml');
    const text = await readFile(agenciesFile, 'utf8');
    const withoutCps = text.replace(/    encryptionCertificate: .*\/nv-cps\/encryption-cert\.pem\n/, '');
    expect(withoutCps).not.toBe(text);
    await writeFile(agenciesFile, withoutCps);
    hub = await startTestHub(redis, { policyDir, dataDir });
    probation.bind(await hub.client('nv-probation'));
  });
  afterAll(async () => {
    await hub?.stop();
    await probation?.close();
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('pushes to the encryption certificate (RSA-OAEP-256, its thumbprint as kid) and the webhook opens it; pulls to the P-256 one where none is named', async () => {
    const police = await hub.client('nv-police');
    const answer = await police.send<IntakeBody>(await example('charge-notification'));
    expect(answer.body.recipients).toEqual([{ agency: 'nv-cps', status: 'queued' }, { agency: 'nv-probation', status: 'queued' }]);
    const id = answer.body.id;

    const pushed = await eventually(() => probation.deliveries.find((delivery) => delivery.messageId === id), 15_000, 'the push to probation');
    expect(pushed.claims['provenance']).toMatchObject({ messageId: id, sender: 'nv-police' });
    expect(probation.raw).toHaveLength(1);
    expect(decodeProtectedHeader(probation.raw[0]!)).toMatchObject({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: await thumbprintOf('nv-probation', 'encryption-cert.pem'),
    });

    const cps = await hub.client('nv-cps');
    const item = await eventually(async () => (await cps.inbox<InboxListing>()).items.find((entry) => entry.messageId === id), 15_000, 'the cps inbox item');
    expect(decodeProtectedHeader(item.jwe)).toMatchObject({ alg: 'ECDH-ES+A256KW', kid: await thumbprintOf('nv-cps', 'cert.pem'), epk: { kty: 'EC', crv: 'P-256' } });
    // The cps folder has an encryption pair too; its client still opens what was sealed to the main key.
    const opened = await cps.openFromHub(item.jwe);
    expect(opened.claims['provenance']).toMatchObject({ messageId: id, sender: 'nv-police' });
  });

  it('puts an RSA-OAEP-256 delivery in the inbox of a pulling agency with an encryption certificate, which opens it', async () => {
    const court = await hub.client('nv-court');
    const answer = await court.send<IntakeBody>(await example('court-outcome'));
    expect(answer.body.recipients).toContainEqual({ agency: 'nv-police', status: 'queued' });
    const police = await hub.client('nv-police');
    const item = await eventually(async () => (await police.inbox<InboxListing>()).items.find((entry) => entry.messageId === answer.body.id), 15_000, 'the police inbox item');
    expect(decodeProtectedHeader(item.jwe)).toMatchObject({ alg: 'RSA-OAEP-256', kid: await thumbprintOf('nv-police', 'encryption-cert.pem') });
    const opened = await police.openFromHub(item.jwe);
    expect(opened.claims).toMatchObject({ aud: 'nv-police', provenance: { messageId: answer.body.id, sender: 'nv-court' } });
    // Another agency's client holds neither of police's keys.
    await expect((await hub.client('nv-housing')).openFromHub(item.jwe)).rejects.toMatchObject({ code: 'JWE_UNKNOWN_KID' });
  });

  it('opens it from the command line too: isp-hub inbox --open', async () => {
    const court = await hub.client('nv-court');
    const answer = await court.send<IntakeBody>(await example('court-outcome'));
    const police = await hub.client('nv-police');
    const item = await eventually(async () => (await police.inbox<InboxListing>()).items.find((entry) => entry.messageId === answer.body.id), 15_000, 'the police inbox item');
    expect(decodeProtectedHeader(item.jwe)).toMatchObject({ kid: await thumbprintOf('nv-police', 'encryption-cert.pem') });
    const cli = await runIspHub(['inbox', '--as', 'nv-police', '--hub', hub.url, '--certs', certsDir, '--limit', '100', '--open']);
    expect(cli.code, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as { items: Array<{ messageId: string; record?: { aud: string; provenance: { messageId: string } } }> };
    expect(listed.items.find((entry) => entry.messageId === answer.body.id)?.record).toMatchObject({ aud: 'nv-police', provenance: { messageId: answer.body.id } });
  });

  it('still opens an inbox item sealed to an encryption key the agency has since replaced: certs issue keeps the old pair, the client opens with it', async () => {
    const court = await hub.client('nv-court');
    const answer = await court.send<IntakeBody>(await example('court-outcome'));
    const police = await hub.client('nv-police');
    const item = await eventually(async () => (await police.inbox<InboxListing>()).items.find((entry) => entry.messageId === answer.body.id), 15_000, 'the police inbox item');
    const oldKid = await thumbprintOf('nv-police', 'encryption-cert.pem');
    expect(decodeProtectedHeader(item.jwe)).toMatchObject({ kid: oldKid });

    // nv-police replaces its encryption key in its own copy of the scheme folder.
    const scheme = path.join(dataDir, 'police-scheme');
    await cp(certsDir, scheme, { recursive: true });
    const issued = await runIspHub(['certs', 'issue', '--ca', path.join(scheme, 'ca'), '--kind', 'agency', '--id', 'nv-police', '--role', 'police', '--algorithm', 'X25519']);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stdout).toContain('encryption-cert.previous.pem');
    const policeDir = agencyFilesIn(scheme, 'nv-police').agencyDir;
    expect(thumbprintS256(new X509Certificate(await readFile(path.join(policeDir, 'encryption-cert.pem'), 'utf8')))).not.toBe(oldKid);
    expect(thumbprintS256(new X509Certificate(await readFile(path.join(policeDir, 'encryption-cert.previous.pem'), 'utf8')))).toBe(oldKid);

    const replaced = await createAgencyClientFromFiles({ hubUrl: hub.url, agencyId: 'nv-police', ...agencyFilesIn(scheme, 'nv-police') });
    try {
      const opened = await replaced.openFromHub(item.jwe);
      expect(opened.claims).toMatchObject({ aud: 'nv-police', provenance: { messageId: answer.body.id } });
    } finally {
      replaced.close();
    }
    const cli = await runIspHub(['inbox', '--as', 'nv-police', '--hub', hub.url, '--certs', scheme, '--limit', '100', '--open']);
    expect(cli.code, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as { items: Array<{ messageId: string; record?: unknown }> }).items.find((entry) => entry.messageId === answer.body.id)?.record).toMatchObject({ aud: 'nv-police' });

    // Without the kept pair the item is sealed to a key the client does not hold.
    await rm(path.join(policeDir, 'encryption-cert.previous.pem'));
    await rm(path.join(policeDir, 'encryption-key.previous.pem'));
    const forgetful = await createAgencyClientFromFiles({ hubUrl: hub.url, agencyId: 'nv-police', ...agencyFilesIn(scheme, 'nv-police') });
    try {
      await expect(forgetful.openFromHub(item.jwe)).rejects.toMatchObject({ code: 'JWE_UNKNOWN_KID' });
    } finally {
      forgetful.close();
    }
  });
});
