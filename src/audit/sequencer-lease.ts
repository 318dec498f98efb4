import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/index.js';

/**
 * The sequencer's lease: at most one process at a time integrates entries
 * into the log (as a transparency log's sequencer does: Trillian, Tessera).
 * It is a Redis key holding the holder's random token with an expiry; the
 * holder renews it well before it runs out, and append.lua refuses a batch
 * whose token is not the one stored (fencing), so a holder that stalled past
 * its expiry cannot write after another has taken over.
 */
export const LEASE_MS = 3000;
/** Renew at a third of the lease: two renewals may fail before it runs out. */
export const RENEW_EVERY_MS = 1000;

const RENEW_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export interface SequencerLease {
  /** The token while this process holds the lease. */
  readonly token: string | undefined;
  /** Takes the lease if nobody holds it; true when this process holds it afterwards. */
  tryTake(): Promise<boolean>;
  /** Extends the lease; false when it was lost (expired and taken, or deleted). */
  renew(): Promise<boolean>;
  /** Gives the lease up (nothing when another holds it). */
  release(): Promise<void>;
  /** Forget the lease locally after the script refused our token. */
  lost(): void;
}

export function createSequencerLease(redis: RedisClient, key: string): SequencerLease {
  let token: string | undefined;
  return {
    get token() {
      return token;
    },
    async tryTake() {
      if (token) return true;
      const candidate = randomBytes(12).toString('base64url');
      if ((await redis.set(key, candidate, 'PX', LEASE_MS, 'NX')) === 'OK') token = candidate;
      return token !== undefined;
    },
    async renew() {
      if (!token) return false;
      const held = token;
      const renewed = Number(await redis.eval(RENEW_SCRIPT, 1, key, held, LEASE_MS));
      if (renewed !== 1 && token === held) token = undefined;
      return renewed === 1;
    },
    async release() {
      const held = token;
      token = undefined;
      if (held) await redis.eval(RELEASE_SCRIPT, 1, key, held).catch(() => undefined);
    },
    lost() {
      token = undefined;
    },
  };
}
