import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, access } from 'node:fs/promises';
import path from 'node:path';
import { jweAlgorithmForKey, jwsAlgorithmForKey, type DecryptionKey } from '../envelope/index.js';
import { HubError } from '../errors.js';
import type { HubPublicKey } from '../http/index.js';
import { ISSUED_FILES, readCertificatesPem, thumbprintS256, type TrustStore } from '../pki/index.js';

/**
 * The hub's own keys, read from HUB_CERT_DIR: the current signing,
 * encryption and TLS keys, and (during a rotation) the previous signing and
 * encryption keys under `previous/`. The hub signs with the current key only,
 * decrypts with either, and publishes both, so partners holding the old key
 * keep working until they refresh /.well-known/jwks.json.
 *
 * The `kid` of an encryption key is its certificate's x5t#S256 thumbprint, so
 * a JWE header names exactly one certificate.
 */
export interface HubKeyPair {
  privateKey: KeyObject;
  certificate: X509Certificate;
  /** Leaf first, then the issuing CA certificates. */
  chain: X509Certificate[];
  kid: string;
}

export interface HubKeyRing {
  signing: HubKeyPair;
  encryption: HubKeyPair;
  previous: { signing?: HubKeyPair; encryption?: HubKeyPair };
  tls: { keyPem: string; certificatePem: string; chainPem: string };
  decryptionKeys(): DecryptionKey[];
  publicKeys(): HubPublicKey[];
  /** Certificates the hub itself depends on, for the expiry check on /health. */
  certificates(): Array<{ name: string; certificate: X509Certificate }>;
}

export const PREVIOUS_KEYS_DIR = 'previous';

export async function loadHubKeyRing(dir: string, trust: TrustStore): Promise<HubKeyRing> {
  const signing = await readPair(dir, 'hub-signing');
  const encryption = await readPair(dir, 'hub-encryption');
  // The hub refuses to run on keys the scheme would refuse (e.g. demonstration keys in production).
  trust.verify(signing.certificate, { usage: 'signing', intermediates: signing.chain.slice(1) });
  trust.verify(encryption.certificate, { usage: 'encryption', intermediates: encryption.chain.slice(1) });
  const previousDir = path.join(dir, PREVIOUS_KEYS_DIR);
  const previous = (await exists(path.join(previousDir, ISSUED_FILES['hub-signing'].certificate)))
    ? { signing: await readPair(previousDir, 'hub-signing'), encryption: await readPair(previousDir, 'hub-encryption') }
    : {};
  const tlsFiles = ISSUED_FILES['hub-tls'];
  const tls = {
    keyPem: await readText(dir, tlsFiles.privateKey),
    certificatePem: await readText(dir, tlsFiles.certificate),
    chainPem: await readText(dir, tlsFiles.chain),
  };
  const pairs = [encryption, previous.encryption].filter((pair): pair is HubKeyPair => pair !== undefined);
  return {
    signing,
    encryption,
    previous,
    tls,
    decryptionKeys: () => pairs.map((pair) => ({ kid: pair.kid, privateKey: pair.privateKey })),
    publicKeys: () => [
      publicKey(signing, 'sig'),
      publicKey(encryption, 'enc'),
      ...(previous.signing ? [publicKey(previous.signing, 'sig')] : []),
      ...(previous.encryption ? [publicKey(previous.encryption, 'enc')] : []),
    ],
    certificates: () => [
      { name: 'hub-signing', certificate: signing.certificate },
      { name: 'hub-encryption', certificate: encryption.certificate },
      { name: 'hub-tls', certificate: new X509Certificate(tls.certificatePem) },
    ],
  };
}

function publicKey(pair: HubKeyPair, use: 'sig' | 'enc'): HubPublicKey {
  const alg = use === 'sig' ? jwsAlgorithmForKey(pair.privateKey) : jweAlgorithmForKey(pair.privateKey);
  if (!alg) throw new TypeError(`hub ${use} key has no allowed algorithm`);
  return { kid: pair.kid, use, alg, key: pair.privateKey, certificateChain: pair.chain };
}

async function readPair(dir: string, kind: 'hub-signing' | 'hub-encryption'): Promise<HubKeyPair> {
  const files = ISSUED_FILES[kind];
  const certificate = new X509Certificate(await readText(dir, files.certificate));
  const chain = [certificate, ...readCertificatesPem(await readText(dir, files.chain))];
  const privateKey = createPrivateKey(await readText(dir, files.privateKey));
  return { privateKey, certificate, chain, kid: thumbprintS256(certificate) };
}

async function readText(dir: string, name: string): Promise<string> {
  try {
    return await readFile(path.join(dir, name), 'utf8');
  } catch {
    throw new HubError('CONFIG_INVALID', `hub key file ${path.join(dir, name)} cannot be read (HUB_CERT_DIR); run \`npm run certs:example\` or \`isp-hub certs issue\``);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
