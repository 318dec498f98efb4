import { HubError } from '../../errors.js';
import { keyspace } from '../../redis/index.js';
import { luaScript } from './lua-script.js';
import type { Clock, StoreDependencies } from './ports.js';
import { systemClock } from './ports.js';

/**
 * Per-message tracking for the sender: one Redis hash per
 * message with the sender and each recipient's state.
 *
 *   queued -> delivered (push accepted) -> collected (pull fetched) -> acknowledged
 *   queued -> undeliverable (dead letter, or an inbox item that expired)
 *   undeliverable -> queued  only through an operator's replay (`reopen`)
 *   denied is set at acceptance and never changes
 *
 * Transitions only move forward, checked inside one Lua script, so a late or
 * repeated "delivered" (a redelivery after a crash) never overwrites
 * "acknowledged", whichever hub process writes last.
 */

export const TRACKING_STATES = ['queued', 'delivered', 'collected', 'acknowledged', 'denied', 'undeliverable'] as const;
export type TrackingState = (typeof TRACKING_STATES)[number];
export type ForwardState = 'delivered' | 'collected' | 'acknowledged' | 'undeliverable';

export type AcceptedRecipient =
  | { recipient: string; status: 'queued' }
  | { recipient: string; status: 'denied'; ruleIds: readonly string[]; reason: string };

export interface RecipientTracking {
  agencyId: string;
  state: TrackingState;
  /** ISO 8601 time of the last change. */
  updatedAt: string;
  /** For denied: the deciding rules. */
  ruleIds?: string[];
  /** For denied and undeliverable: a sentence without record values. */
  reason?: string;
  /** Push attempts so far (pull deliveries make none). */
  attempts: number;
  /** ISO 8601 time of the last push attempt. */
  lastAttemptAt?: string;
  /** The code of the last failed attempt (http-503, timeout, tls-wrong-identity...), kept after a later success. */
  lastFailure?: string;
}

export interface MessageTracking {
  messageId: string;
  sender: string;
  acceptedAt: string;
  recipients: RecipientTracking[];
}

export type TransitionResult = 'applied' | 'ignored' | 'missing';

export interface TrackingStore {
  /** Idempotent: a retried intake keeps whatever state each recipient has reached. */
  recordAccepted(messageId: string, sender: string, recipients: readonly AcceptedRecipient[]): Promise<void>;
  transition(messageId: string, recipient: string, to: ForwardState, reason?: string): Promise<TransitionResult>;
  /** Counts one push attempt for a tracked recipient, with its failure code if it failed. */
  recordAttempt(messageId: string, recipient: string, failure?: string): Promise<TransitionResult>;
  /** undeliverable -> queued, for a replayed dead letter. */
  reopen(messageId: string, recipient: string): Promise<TransitionResult>;
  stateOf(messageId: string, recipient: string): Promise<TrackingState | undefined>;
  /** The tracking, for its sender only; any other agency gets NOT_FOUND, as if it did not exist. */
  getForAgency(messageId: string, agencyId: string): Promise<MessageTracking>;
}

export interface TrackingStoreOptions extends StoreDependencies {
  /** How long a message's tracking is kept after acceptance. */
  retentionSeconds?: number;
  clock?: Clock;
}

const DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600;

// KEYS[1] tracking hash. ARGV: sender, acceptedAt, retention seconds, then
// triples (recipient, state, details JSON). Returns 0 when another sender owns the id.
const RECORD_ACCEPTED = luaScript(`
local owner = redis.call('HGET', KEYS[1], 'sender')
if owner and owner ~= ARGV[1] then return 0 end
if not owner then
  redis.call('HSET', KEYS[1], 'sender', ARGV[1], 'acceptedAt', ARGV[2])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
end
for i = 4, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], 's:' .. ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HSET', KEYS[1], 'd:' .. ARGV[i], ARGV[i + 2])
  end
end
return 1
`);

// KEYS[1] tracking hash. ARGV: recipient, target state, details JSON, mode.
// The ranks encode the only forward moves; undeliverable is reachable from
// queued alone and left only by 'reopen'.
const TRANSITION = luaScript(`
local current = redis.call('HGET', KEYS[1], 's:' .. ARGV[1])
if not current then return 'missing' end
local target = ARGV[2]
local allowed = false
if ARGV[4] == 'reopen' then
  allowed = (current == 'undeliverable' and target == 'queued')
elseif target == 'undeliverable' then
  allowed = (current == 'queued')
else
  local rank = { queued = 1, delivered = 2, collected = 3, acknowledged = 4 }
  local from = rank[current]
  local to = rank[target]
  allowed = (from ~= nil and to ~= nil and to > from)
end
if not allowed then return 'ignored' end
redis.call('HSET', KEYS[1], 's:' .. ARGV[1], target, 'd:' .. ARGV[1], ARGV[3])
return 'applied'
`);

// KEYS[1] tracking hash. ARGV: recipient, time, failure code or ''. Only for a
// recipient the hash tracks, so a late attempt cannot recreate expired tracking.
const RECORD_ATTEMPT = luaScript(`
if redis.call('HEXISTS', KEYS[1], 's:' .. ARGV[1]) == 0 then return 'missing' end
redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[1], 1)
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'f:' .. ARGV[1], ARGV[3]) end
return 'applied'
`);

interface StoredDetails {
  at: string;
  ruleIds?: string[];
  reason?: string;
}

export function createTrackingStore(options: TrackingStoreOptions): TrackingStore {
  const { redis } = options;
  const key = keyspace(options.prefix);
  const clock = options.clock ?? systemClock;
  const retention = options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS;
  const trackingKey = (messageId: string) => key('delivery', 'track', messageId);
  const now = () => new Date(clock()).toISOString();

  async function transitionWith(messageId: string, recipient: string, to: string, mode: 'advance' | 'reopen', reason?: string) {
    const details: StoredDetails = { at: now(), ...(reason ? { reason } : {}) };
    return (await TRANSITION.run(redis, [trackingKey(messageId)], [recipient, to, JSON.stringify(details), mode])) as TransitionResult;
  }

  return {
    async recordAccepted(messageId, sender, recipients) {
      const at = now();
      const args: string[] = [sender, at, String(retention)];
      for (const outcome of recipients) {
        const details: StoredDetails =
          outcome.status === 'denied' ? { at, ruleIds: [...outcome.ruleIds], reason: outcome.reason } : { at };
        args.push(outcome.recipient, outcome.status, JSON.stringify(details));
      }
      const owned = await RECORD_ACCEPTED.run(redis, [trackingKey(messageId)], args);
      // Message ids derive from (sender, jti), so two senders can only collide through a bug.
      if (owned !== 1) throw new TypeError('message id already tracked for another sender');
    },

    transition: (messageId, recipient, to, reason) => transitionWith(messageId, recipient, to, 'advance', reason),
    reopen: (messageId, recipient) => transitionWith(messageId, recipient, 'queued', 'reopen'),

    async recordAttempt(messageId, recipient, failure) {
      return (await RECORD_ATTEMPT.run(redis, [trackingKey(messageId)], [recipient, now(), failure ?? ''])) as TransitionResult;
    },

    async stateOf(messageId, recipient) {
      const state = await redis.hget(trackingKey(messageId), `s:${recipient}`);
      return (state ?? undefined) as TrackingState | undefined;
    },

    async getForAgency(messageId, agencyId) {
      const fields = await redis.hgetall(trackingKey(messageId));
      // One answer for "no such message" and "not yours": another agency must
      // not learn that a message exists.
      if (fields.sender === undefined || fields.sender !== agencyId) {
        throw new HubError('NOT_FOUND', 'no such message');
      }
      const recipients: RecipientTracking[] = [];
      for (const [field, state] of Object.entries(fields)) {
        if (!field.startsWith('s:')) continue;
        const agency = field.slice(2);
        const details = JSON.parse(fields[`d:${agency}`] ?? '{}') as Partial<StoredDetails>;
        const lastAttemptAt = fields[`t:${agency}`];
        const lastFailure = fields[`f:${agency}`];
        recipients.push({
          agencyId: agency,
          state: state as TrackingState,
          updatedAt: details.at ?? fields.acceptedAt ?? '',
          ...(details.ruleIds ? { ruleIds: details.ruleIds } : {}),
          ...(details.reason ? { reason: details.reason } : {}),
          attempts: Number(fields[`n:${agency}`] ?? 0),
          ...(lastAttemptAt ? { lastAttemptAt } : {}),
          ...(lastFailure ? { lastFailure } : {}),
        });
      }
      recipients.sort((a, b) => a.agencyId.localeCompare(b.agencyId));
      return { messageId, sender: fields.sender, acceptedAt: fields.acceptedAt ?? '', recipients };
    },
  };
}
