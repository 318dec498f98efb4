import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import { readCertificatesPem, thumbprintS256 } from '../pki/index.js';

/**
 * One of the hub's own key pairs as read from HUB_CERT_DIR. The `kid` is the
 * certificate's x5t#S256 thumbprint, so a JWE header or a JWKS entry names
 * exactly one certificate.
 */
export interface HubKeyPair {
  privateKey: KeyObject;
  certificate: X509Certificate;
  /** Leaf first, then the issuing CA certificates. */
  chain: X509Certificate[];
  kid: string;
}

export interface KeyPairFiles {
  certificate: string;
  privateKey: string;
  chain: string;
}

export async function readKeyPair(dir: string, files: KeyPairFiles): Promise<HubKeyPair> {
  const certificate = new X509Certificate(await readHubFile(dir, files.certificate));
  const chain = [certificate, ...readCertificatesPem(await readHubFile(dir, files.chain))];
  const privateKey = createPrivateKey(await readHubFile(dir, files.privateKey));
  return { privateKey, certificate, chain, kid: thumbprintS256(certificate) };
}

export async function readHubFile(dir: string, name: string): Promise<string> {
  try {
    return await readFile(path.join(dir, name), 'utf8');
  } catch {
    throw new HubError('CONFIG_INVALID', `hub key file ${path.join(dir, name)} cannot be read (HUB_CERT_DIR); run \`npm run certs:example\` or \`isp-hub certs issue\``);
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
