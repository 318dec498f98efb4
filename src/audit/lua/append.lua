--[[
  Integrates a batch of audit entries into the log, atomically, for the
  sequencer that holds the lease (src/audit/sequencer-lease.ts), and only if
  the log still has the size the batch was hashed against.

  The caller (src/audit/appender.ts, src/audit/batch-writes.ts) has already
  assigned seq numbers, built the final entries, canonicalised them (RFC 8785)
  and computed every hash in Node: SHA-256 inside Lua would cost Redis time
  and block every other client. This script only checks and stores; it runs
  as one unit, so a reader never sees an entry without its leaf, its tree
  blocks or its indexes, and a queued batch is taken off the queue in the
  same step that integrates it (never twice, never lost).

  Writes are grouped per key (one HSET for all entries, one ZADD per index
  key with all its members, one SETRANGE per run of tree blocks) because each
  redis.call costs far more than the members it carries.

  KEYS[1]  audit:size         string: number of entries in the log
  KEYS[2]  audit:entries      hash: seq -> canonical JSON of the entry
  KEYS[3]  audit:ix:time      sorted set: score epoch ms, member seq
  KEYS[4]  audit:sequencer    string: the lease token of the one process
            that may integrate (fencing: a process that lost the lease
            while a call was on its way is refused)
  KEYS[5]  audit:tree:0:<chunk>: the leaf string holding seq expected - 1
            (for the chain check below; any leaf string when expected is 0)
  KEYS[6]  audit:queue        stream: batches other processes queued
  KEYS[7 .. 6+k]  the k index sorted sets the batch adds to
            (audit:ix:<kind>:<value>, score seq, member seq), each once
  then r tree block strings, one per run (audit:tree:<level>:<chunk>)
  then o once-keys (audit:once:<key>): one per append that must be stored
            at most once (a message's entries, whatever its retries)
  then s placement keys (audit:placed:<stream id>), one per queued batch

  ARGV[1]  expected size: the log size the batch was built on; entry i
           (1-based) of the batch gets seq = expected + i - 1
  ARGV[2]  n, the number of entries
  ARGV[3]  the caller's lease token
  ARGV[4]  k, the number of index sorted sets
  ARGV[5]  byte offset of leaf expected - 1 in KEYS[5]
  ARGV[6]  the 32-byte leaf the caller believes is at seq expected - 1, or
           '' when the caller read its tree from Redis (then the size
           check alone suffices: the stored tree only ever grows)
  ARGV[7]  r, ARGV[8] o, ARGV[9] s (counts of the key groups above)
  ARGV[10] seconds a once-key is kept, ARGV[11] seconds a placement is kept
  ARGV[12] the newest stream id the caller has read from the queue
  then n canonical JSON texts, in seq order
  then n epoch ms times, in seq order
  then, for each of the k index sets in KEYS order:
           c, then the c batch positions (0-based) of its entries
  then, for each tree run: byte offset, the run's 32-byte hashes
  then, for each once-key: its value ("<first seq>:<count>")
  then, for each queued batch: its stream id, its placement (JSON: where
           each of its appends went), the channel its process listens on

  Returns {1, new size, id, batch, id, batch, ...} when stored, with up to
  256 batches queued after ARGV[12] (what to integrate next: while busy, the
  sequencer reads the queue here rather than with a command of its own); {0, current size} when the size or the
  chain check fails (the caller rebuilds on the log as Redis holds it);
  {2, current size} when the caller does not hold the lease; {3, size,
  positions...} when once-keys at those 0-based positions already exist
  (those appends were stored before: the caller leaves them out and
  retries); {4, size, positions...} when queued batches at those positions
  are no longer queued (another sequencer integrated them).
]]

local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if redis.call('GET', KEYS[4]) ~= ARGV[3] then
  return {2, current}
end
local expected = tonumber(ARGV[1])
if current ~= expected then
  return {0, current}
end
if ARGV[6] ~= '' then
  local offset = tonumber(ARGV[5])
  if redis.call('GETRANGE', KEYS[5], offset, offset + 31) ~= ARGV[6] then
    return {0, current}
  end
end

local n = tonumber(ARGV[2])
local k = tonumber(ARGV[4])
local r = tonumber(ARGV[7])
local o = tonumber(ARGV[8])
local s = tonumber(ARGV[9])
local runKeys = 6 + k
local onceKeys = runKeys + r
local placedKeys = onceKeys + o

-- Where each ARGV section starts (the index section has variable length).
local indexArgs = 13 + 2 * n
local cursor = indexArgs
for j = 1, k do
  cursor = cursor + tonumber(ARGV[cursor]) + 1
end
local runArgs = cursor
local onceArgs = runArgs + 2 * r
local queuedArgs = onceArgs + o

local stored = {}
for j = 1, o do
  if redis.call('EXISTS', KEYS[onceKeys + j]) == 1 then
    stored[#stored + 1] = j - 1
  end
end
if #stored > 0 then
  return {3, current, unpack(stored)}
end
local gone = {}
for j = 1, s do
  local id = ARGV[queuedArgs + 3 * (j - 1)]
  if #redis.call('XRANGE', KEYS[6], id, id) == 0 then
    gone[#gone + 1] = j - 1
  end
end
if #gone > 0 then
  return {4, current, unpack(gone)}
end

-- Lua's unpack stops near 8,000 values (LUAI_MAXCSTACK): stay well below.
local CHUNK = 4000

local function callInChunks(command, key, values)
  for start = 1, #values, CHUNK do
    redis.call(command, key, unpack(values, start, math.min(start + CHUNK - 1, #values)))
  end
end

local bodies = {}
local times = {}
for i = 1, n do
  local seq = expected + i - 1
  bodies[2 * i - 1] = seq
  bodies[2 * i] = ARGV[12 + i]
  times[2 * i - 1] = ARGV[12 + n + i]
  times[2 * i] = seq
end
callInChunks('HSET', KEYS[2], bodies)
callInChunks('ZADD', KEYS[3], times)

cursor = indexArgs
for j = 1, k do
  local count = tonumber(ARGV[cursor])
  local members = {}
  for m = 1, count do
    local seq = expected + tonumber(ARGV[cursor + m])
    members[2 * m - 1] = seq
    members[2 * m] = seq
  end
  callInChunks('ZADD', KEYS[6 + j], members)
  cursor = cursor + count + 1
end

for j = 1, r do
  redis.call('SETRANGE', KEYS[runKeys + j], tonumber(ARGV[runArgs + 2 * (j - 1)]), ARGV[runArgs + 2 * (j - 1) + 1])
end

for j = 1, o do
  redis.call('SET', KEYS[onceKeys + j], ARGV[onceArgs + j - 1], 'EX', tonumber(ARGV[10]))
end

for j = 1, s do
  local at = queuedArgs + 3 * (j - 1)
  redis.call('XDEL', KEYS[6], ARGV[at])
  redis.call('SET', KEYS[placedKeys + j], ARGV[at + 1], 'EX', tonumber(ARGV[11]))
  redis.call('PUBLISH', ARGV[at + 2], ARGV[at + 1])
end

local size = expected + n
redis.call('SET', KEYS[1], size)
local reply = {1, size}
for _, item in ipairs(redis.call('XRANGE', KEYS[6], '(' .. ARGV[12], '+', 'COUNT', 256)) do
  reply[#reply + 1] = item[1]
  reply[#reply + 1] = item[2][2]
end
return reply
