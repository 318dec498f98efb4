import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { encryptionKeyTypeOf, jweAlgorithmForKey, jwsAlgorithmForKey, type DecryptionKey } from '../envelope/index.js';
import { HubError } from '../errors.js';
import type { HubPublicKey } from '../http/index.js';
import { ISSUED_FILES, type TrustStore } from '../pki/index.js';
import { readEncryptionKeys } from './hub-encryption-keys.js';
import { fileExists as exists, readHubFile as readText, readKeyPair, type HubKeyPair } from './hub-key-files.js';

export type { HubKeyPair } from './hub-key-files.js';

/**
 * The hub's own keys, read from HUB_CERT_DIR: the current signing and TLS
 * keys, one current encryption key per key type (hub-encryption-keys.ts), and
 * (during a rotation) the previous signing and encryption keys under
 * `previous/`. The hub signs with the current signing key only and publishes
 * the previous one too, so deliveries it signed before still verify. It
 * decrypts with every current and previous encryption key but publishes only
 * the current ones: a partner that cached an old one keeps working until the
 * next rotation, and one that reads /.well-known/jwks.json can take the first
 * encryption key it supports, knowing it is current (docs/envelope.md).
 */
export interface HubKeyRing {
  signing: HubKeyPair;
  /** The hub's preferred encryption key: the first of `encryptionKeys`. */
  encryption: HubKeyPair;
  /** One current encryption key per key type, in the hub's order of preference. */
  encryptionKeys: readonly HubKeyPair[];
  previous: { signing?: HubKeyPair; encryption?: HubKeyPair; encryptionKeys?: readonly HubKeyPair[] };
  tls: { keyPem: string; certificatePem: string; chainPem: string };
  decryptionKeys(): DecryptionKey[];
  publicKeys(): HubPublicKey[];
  /** Certificates the hub itself depends on, for the expiry check on /health. */
  certificates(): Array<{ name: string; certificate: X509Certificate }>;
}

export const PREVIOUS_KEYS_DIR = 'previous';

export async function loadHubKeyRing(dir: string, trust: TrustStore): Promise<HubKeyRing> {
  const signing = await readPair(dir, 'hub-signing');
  const encryptionKeys = await readEncryptionKeys(dir);
  const encryption = encryptionKeys[0];
  if (!encryption) throw new HubError('CONFIG_INVALID', `HUB_CERT_DIR ${dir} holds no encryption key; run \`npm run certs:example\` or \`isp-hub certs issue --kind hub-encryption\``);
  // The hub refuses to run on keys the scheme would refuse (e.g. demonstration keys in production).
  trust.verify(signing.certificate, { usage: 'signing', intermediates: signing.chain.slice(1) });
  for (const pair of encryptionKeys) trust.verify(pair.certificate, { usage: 'encryption', intermediates: pair.chain.slice(1) });
  const previousDir = path.join(dir, PREVIOUS_KEYS_DIR);
  const previousEncryption = (await exists(previousDir)) ? await readEncryptionKeys(previousDir) : [];
  const previous = {
    ...((await exists(path.join(previousDir, ISSUED_FILES['hub-signing'].certificate))) ? { signing: await readPair(previousDir, 'hub-signing') } : {}),
    ...(previousEncryption[0] ? { encryption: previousEncryption[0], encryptionKeys: previousEncryption } : {}),
  };
  const tlsFiles = ISSUED_FILES['hub-tls'];
  const tls = {
    keyPem: await readText(dir, tlsFiles.privateKey),
    certificatePem: await readText(dir, tlsFiles.certificate),
    chainPem: await readText(dir, tlsFiles.chain),
  };
  const pairs = [...encryptionKeys, ...previousEncryption];
  return {
    signing,
    encryption,
    encryptionKeys,
    previous,
    tls,
    decryptionKeys: () => pairs.map((pair) => ({ kid: pair.kid, privateKey: pair.privateKey })),
    publicKeys: () => [
      publicKey(signing, 'sig'),
      ...encryptionKeys.map((pair) => publicKey(pair, 'enc')),
      ...(previous.signing ? [publicKey(previous.signing, 'sig')] : []),
    ],
    certificates: () => [
      { name: 'hub-signing', certificate: signing.certificate },
      ...encryptionKeys.map((pair) => ({ name: `hub-encryption ${encryptionKeyTypeOf(pair.certificate.publicKey) ?? ''}`.trim(), certificate: pair.certificate })),
      { name: 'hub-tls', certificate: new X509Certificate(tls.certificatePem) },
    ],
  };
}

function publicKey(pair: HubKeyPair, use: 'sig' | 'enc'): HubPublicKey {
  const alg = use === 'sig' ? jwsAlgorithmForKey(pair.privateKey) : jweAlgorithmForKey(pair.privateKey);
  if (!alg) throw new TypeError(`hub ${use} key has no allowed algorithm`);
  return { kid: pair.kid, use, alg, key: pair.privateKey, certificateChain: pair.chain };
}

function readPair(dir: string, kind: 'hub-signing'): Promise<HubKeyPair> {
  return readKeyPair(dir, ISSUED_FILES[kind]);
}
