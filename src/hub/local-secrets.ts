import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HubConfig } from '../config/index.js';

/**
 * The two secrets the hub holds: the subject-key HMAC secret (pseudonymous
 * audit keys) and the flag-register AES key. Production must configure both
 * (load-config refuses to start otherwise). The embedded default creates
 * random ones under DATA_DIR on first start and keeps them, so subject keys
 * stay stable across restarts; they never leave the machine.
 */
export interface HubSecrets {
  subjectKeySecret: Buffer;
  flagEncryptionKey: Buffer;
}

export async function loadHubSecrets(config: HubConfig): Promise<HubSecrets> {
  return {
    subjectKeySecret: config.SUBJECT_KEY_SECRET ? Buffer.from(config.SUBJECT_KEY_SECRET, 'hex') : await localSecret(config.DATA_DIR, 'subject-key.secret'),
    flagEncryptionKey: config.FLAG_ENCRYPTION_KEY ? Buffer.from(config.FLAG_ENCRYPTION_KEY, 'hex') : await localSecret(config.DATA_DIR, 'flag-key.secret'),
  };
}

async function localSecret(dataDir: string, name: string): Promise<Buffer> {
  const file = path.join(dataDir, 'secrets', name);
  try {
    const stored = Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
    if (stored.length === 32) return stored;
  } catch {
    // first start: create it below
  }
  const secret = randomBytes(32);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // 'wx' fails if another process created it first; then read theirs.
  try {
    await writeFile(file, secret.toString('hex'), { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
  }
}
