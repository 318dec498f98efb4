import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import { createEmbeddedDpoIssuer, type EmbeddedDpoIssuer } from './dpo-token.js';

/**
 * The embedded default's DPO issuer key lives as a PKCS#8 PEM under DATA_DIR,
 * so the `isp-hub dpo token` command and the running hub (two processes) sign
 * and verify with the same key. It is made on first use, readable by the
 * owner only. Production configures DPO_ISSUER/DPO_JWKS_URL instead and never
 * reads this file.
 */
export const EMBEDDED_DPO_KEY_FILE = 'dpo-issuer-key.pem';

/**
 * The `iss` of the embedded issuer (RFC 7519 s.4.1.1 allows any StringOrURI).
 * A URN rather than an https URL: the hub's address may change (PORT, a
 * proxy), while the issuer must stay the same for tokens to keep verifying.
 */
export function embeddedDpoIssuerUrl(hubId: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,62}$/.test(hubId)) throw new TypeError('hubId must be a HUB_ID');
  return `urn:isp-hub:${hubId}:dpo-issuer`;
}

export function embeddedDpoKeyPath(dataDir: string): string {
  return path.join(dataDir, EMBEDDED_DPO_KEY_FILE);
}

export async function loadOrCreateEmbeddedDpoIssuer(dataDir: string, issuerUrl: string): Promise<EmbeddedDpoIssuer> {
  return createEmbeddedDpoIssuer(issuerUrl, await loadOrCreateKey(embeddedDpoKeyPath(dataDir)));
}

async function loadOrCreateKey(file: string): Promise<KeyObject> {
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o750 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  try {
    // 'wx': if another process made the file first, use its key, never overwrite it.
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
    return privateKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readKey(file);
    if (!raced) throw new HubError('CONFIG_INVALID', 'the DPO issuer key file is empty');
    return raced;
  }
}

async function readKey(file: string): Promise<KeyObject | undefined> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new HubError('CONFIG_INVALID', 'the DPO issuer key file is not a PEM private key');
  }
  // ES256 is the only algorithm the verifier accepts (dpo-token.ts, RFC 8725 s.3.1).
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new HubError('CONFIG_INVALID', 'the DPO issuer key must be a P-256 key');
  }
  return key;
}
