import { luaScript } from '../routing/delivery/lua-script.js';

/**
 * Applies one message's flag changes to the register, at most once per
 * message. A sender retries a message whose first try failed part-way (a
 * Redis error, a 503) with the same bytes and jti; without the marker the
 * retry would move a flag's setAt, and re-set a flag that another message
 * cleared in between. The marker is written in the same script as the
 * changes, so a register holds the changes exactly when it holds the marker.
 * It is kept as long as the idempotency records (REPLAY_WINDOW_SECONDS): past
 * that the message's `exp` has passed and the envelope layer refuses it.
 *
 * KEYS[1]  flags:applied:<message id>  the once-marker
 * KEYS[2]  flags:review                the review index
 * KEYS[2+i] flags:s:<subject key>      the hash change i writes to
 * ARGV[1]  seconds the marker is kept
 * then per change: action ('set' or 'clear'), hash field, review slot,
 *          sealed record and review deadline (both '' for a clear)
 *
 * Returns 1 when the changes were applied, 0 when the message applied them before.
 */
export const APPLY_CHANGES_ONCE = luaScript(`
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) == false then
  return 0
end
for i = 1, #KEYS - 2 do
  local at = 2 + 5 * (i - 1)
  local action, field, slot = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  if action == 'clear' then
    redis.call('HDEL', KEYS[2 + i], field)
    redis.call('ZREM', KEYS[2], slot)
  else
    redis.call('HSET', KEYS[2 + i], field, ARGV[at + 3])
    redis.call('ZADD', KEYS[2], tonumber(ARGV[at + 4]), slot)
  end
end
return 1
`);
