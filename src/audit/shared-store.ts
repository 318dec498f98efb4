import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '../errors.js';
import type { RedisClient } from '../redis/index.js';
import type { AuditKeys } from './keys.js';

/**
 * AUDIT_ARCHIVE_DIR is the one store outside Redis that every hub process
 * shares: archive segments, the copies of signed checkpoints and the signing
 * certificate history live there. Hub processes share nothing else but Redis
 * and configuration, so a process whose folder is not that store (its own
 * DATA_DIR, a volume mounted on one host only) must not write there: what it
 * archived would be invisible to every other process, and what it remembers
 * of signed checkpoints would not protect them.
 *
 * The store proves it is the shared one with an identity marker: a file
 * holding a random token, whose value the first process to use the store
 * records in Redis. A process writes to its store only when the token on
 * disk is the token in Redis.
 */
export const STORE_MARKER_FILE = 'store-identity.json';

const TOKEN = /^[0-9a-f]{32}$/;

interface Marker {
  format: 'isp-hub-audit-store/1';
  token: string;
  createdAt: string;
}

export interface SharedStore {
  directory: string;
  /** Throws AUDIT_STORE_NOT_SHARED unless this folder is the store Redis names; creates the marker on first use. */
  assertShared(): Promise<void>;
}

export function createSharedStore(redis: RedisClient, keys: AuditKeys, directory: string): SharedStore {
  const root = path.resolve(directory);
  const markerFile = path.join(root, STORE_MARKER_FILE);
  /** Once shown, the answer holds while the token in Redis stays the one seen (checked on every call). */
  let shownToken: string | undefined;

  async function readMarker(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(markerFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw notShared(`its identity marker ${STORE_MARKER_FILE} cannot be read`);
    }
    try {
      const marker = JSON.parse(text) as Partial<Marker>;
      if (typeof marker.token === 'string' && TOKEN.test(marker.token)) return marker.token;
    } catch {
      // falls through to the refusal below
    }
    throw notShared(`its identity marker ${STORE_MARKER_FILE} is not in the expected format`);
  }

  /** Creates the marker unless another process did first ('wx'); returns the token on disk either way. */
  async function createMarker(): Promise<string> {
    await mkdir(root, { recursive: true, mode: 0o750 });
    const marker: Marker = { format: 'isp-hub-audit-store/1', token: randomBytes(16).toString('hex'), createdAt: new Date().toISOString() };
    try {
      const handle = await open(markerFile, 'wx', 0o640);
      try {
        await handle.writeFile(`${JSON.stringify(marker)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return marker.token;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readMarker()) as string;
      throw notShared(`its identity marker cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  function notShared(why: string): HubError {
    return new HubError(
      'AUDIT_STORE_NOT_SHARED',
      `the audit archive store ${root} is not the store the other hub processes share: ${why}; set AUDIT_ARCHIVE_DIR to the shared store (see docs/operations.md); nothing is archived or signed here`,
      { directory: root },
    );
  }

  return {
    directory: root,
    async assertShared(): Promise<void> {
      const recorded = await redis.get(keys.storeToken);
      if (recorded !== null && recorded === shownToken) return;
      let onDisk = await readMarker();
      if (recorded === null) {
        // The first process to use the store (or a Redis that lost the key): the marker on disk is adopted.
        onDisk ??= await createMarker();
        await redis.set(keys.storeToken, onDisk, 'NX');
        const now = await redis.get(keys.storeToken);
        if (now !== onDisk) throw notShared('another store was recorded in Redis first');
        shownToken = onDisk;
        return;
      }
      if (onDisk === undefined) throw notShared(`it has no identity marker, while Redis records a shared store`);
      if (onDisk !== recorded) throw notShared('its identity marker differs from the one recorded in Redis');
      shownToken = onDisk;
    },
  };
}
