import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { HubError } from '../errors.js';
import { keyspace } from '../redis/index.js';
import { luaScript } from './delivery/lua-script.js';

/**
 * Replay protection and idempotent retries for `jti` (RFC 7519 s.4.1.7).
 *
 * The first request with a given (agency, jti) claims it with the hash of its
 * exact bytes. A retry with the same bytes gets the first answer once it is
 * stored (waiting for it while the first attempt holds its lease), or is
 * processed again if the first attempt died before answering
 * (every step after this is idempotent: deterministic message id, delivery
 * job ids per recipient). The same jti with other bytes is a replay attempt
 * or a client bug: 409, never processed.
 *
 * Records outlive the longest a message may be valid (exp - iat plus skew),
 * so an old message cannot be replayed after its record has gone: by then its
 * `exp` has passed and the envelope layer refuses it.
 */
/** `lease` names this attempt's hold on the jti, for `release`. */
export type IdempotencyClaim<Answer> = { kind: 'new'; lease?: string } | { kind: 'retry-unanswered'; lease?: string } | { kind: 'replay'; answer: Answer };

export interface IdempotencyStore<Answer> {
  claim(agencyId: string, jti: string, bodyHash: string): Promise<IdempotencyClaim<Answer>>;
  complete(agencyId: string, jti: string, answer: Answer): Promise<void>;
  /**
   * Gives up this attempt's lease after it failed without an answer, so a
   * retry takes the work over at once instead of waiting for the lease to
   * run out. Does nothing once another attempt holds the lease or an answer
   * is stored.
   */
  release(agencyId: string, jti: string, lease: string | undefined): Promise<void>;
}

/**
 * How long one attempt holds a claim. A same-bytes retry that arrives while
 * the first attempt still works waits for its answer instead of processing
 * the message a second time (which would write a second collection entry and
 * apply a flag update twice); only once the lease has run out (the first
 * attempt died) does the retry take the work over.
 */
const DEFAULT_LEASE_MS = 10_000;
const POLL_MS = 25;

// KEYS[1] the record. ARGV: body hash, lease ms, ttl seconds. Time is Redis's
// own (TIME), so hub processes with skewed clocks agree on leases.
// Returns {1} new, {2} conflict, {3, answer} replay, {4} lease taken over, {5} in progress.
const CLAIM = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseUntil = now + tonumber(ARGV[2])
if redis.call('HSETNX', KEYS[1], 'hash', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'lease', leaseUntil)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return {1, tostring(leaseUntil)}
end
local stored = redis.call('HMGET', KEYS[1], 'hash', 'answer', 'lease')
if stored[1] ~= ARGV[1] then return {2} end
if stored[2] then return {3, stored[2]} end
if tonumber(stored[3] or '0') <= now then
  redis.call('HSET', KEYS[1], 'lease', leaseUntil)
  return {4, tostring(leaseUntil)}
end
return {5}
`);

// KEYS[1] the record. ARGV[1] the releasing attempt's lease. Only that
// attempt, and only while no answer is stored, may end the lease early.
const RELEASE = luaScript(`
if redis.call('HGET', KEYS[1], 'lease') == ARGV[1] and redis.call('HEXISTS', KEYS[1], 'answer') == 0 then
  redis.call('HSET', KEYS[1], 'lease', '0')
end
return 0
`);

export function createIdempotencyStore<Answer>(deps: { redis: Redis; prefix: string; ttlSeconds: number; leaseMs?: number }): IdempotencyStore<Answer> {
  const key = keyspace(deps.prefix);
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const recordKey = (agencyId: string, jti: string) => key('jti', agencyId, Buffer.from(jti).toString('base64url'));
  return {
    async claim(agencyId, jti, bodyHash) {
      const name = recordKey(agencyId, jti);
      for (;;) {
        const [outcome, value] = (await CLAIM.run(deps.redis, [name], [bodyHash, leaseMs, deps.ttlSeconds])) as [number, string?];
        if (outcome === 1) return { kind: 'new', lease: value as string };
        if (outcome === 2) throw new HubError('IDEMPOTENCY_CONFLICT', 'this jti was already used for a different message');
        if (outcome === 3) return { kind: 'replay', answer: JSON.parse(value as string) as Answer };
        if (outcome === 4) return { kind: 'retry-unanswered', lease: value as string };
        // Another attempt holds the lease: wait for its answer (or for the lease to run out).
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    async complete(agencyId, jti, answer) {
      await deps.redis.hset(recordKey(agencyId, jti), 'answer', JSON.stringify(answer));
    },
    async release(agencyId, jti, lease) {
      if (lease !== undefined) await RELEASE.run(deps.redis, [recordKey(agencyId, jti)], [lease]);
    },
  };
}

/**
 * How much of an answer the record keeps. By default the whole answer, which
 * a same-bytes retry gets back as it was. An answer that may be given again
 * afresh (a query: reading the register again is a new consultation,
 * audited as one) need not be kept whole for the replay window: `keep` says
 * what is stored (a hash of it, say) and `replay` answers a retry from that.
 */
export interface KeptAnswer<Answer, Stored> {
  keep(answer: Answer): Stored;
  replay(stored: Stored): Promise<Answer>;
}

/**
 * Answers a request at most once per (agency, jti): claims the jti with the
 * hash of the request's exact bytes, answers a replay from the stored record,
 * and otherwise runs `work` and stores what it answers. If the work fails,
 * the lease is given up (a failure to give it up is left to the lease's own
 * time limit), so the sender's retry is taken at once rather than waiting.
 */
export async function answerOnce<Answer>(store: IdempotencyStore<Answer>, agencyId: string, jti: string, requestBytes: string, work: () => Promise<Answer>): Promise<Answer>;
export async function answerOnce<Answer, Stored>(store: IdempotencyStore<Stored>, agencyId: string, jti: string, requestBytes: string, work: () => Promise<Answer>, kept: KeptAnswer<Answer, Stored>): Promise<Answer>;
export async function answerOnce<Answer, Stored>(
  store: IdempotencyStore<Stored>,
  agencyId: string,
  jti: string,
  requestBytes: string,
  work: () => Promise<Answer>,
  kept?: KeptAnswer<Answer, Stored>,
): Promise<Answer> {
  const claim = await store.claim(agencyId, jti, createHash('sha256').update(requestBytes, 'utf8').digest('hex'));
  if (claim.kind === 'replay') return kept ? kept.replay(claim.answer) : (claim.answer as unknown as Answer);
  try {
    const answer = await work();
    await store.complete(agencyId, jti, kept ? kept.keep(answer) : (answer as unknown as Stored));
    return answer;
  } catch (error) {
    await store.release(agencyId, jti, claim.lease).catch(() => undefined);
    throw error;
  }
}
