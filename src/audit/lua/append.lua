--[[
  Appends a batch of audit entries to the log, atomically, if and only if the
  log still has the size the caller hashed the batch against (compare-and-set).

  The caller (src/audit/appender.ts, src/audit/batch-writes.ts) has already
  assigned seq numbers, built the final entries, canonicalised them (RFC 8785)
  and computed every hash in Node: SHA-256 inside Lua would cost Redis time
  and block every other client. This script only checks the size and stores;
  it runs as one unit, so a reader never sees an entry without its leaf, its
  tree blocks or its indexes.

  Writes are grouped per key (one HSET for all entries, one ZADD per index
  key with all its members, one SETRANGE per run of tree blocks) because each
  redis.call costs far more than the members it carries.

  KEYS[1]  audit:size         string: number of entries in the log
  KEYS[2]  audit:entries      hash: seq -> canonical JSON of the entry
  KEYS[3]  audit:ix:time      sorted set: score epoch ms, member seq
  KEYS[4]  audit:writer       string: token of a writer that lost the race
            too often and now has the right of way (expires by itself)
  KEYS[5]  audit:tree:0:<chunk>: the leaf string holding seq expected - 1
            (for the chain check below; any leaf string when expected is 0)
  KEYS[6 .. 5+k]  the k index sorted sets the batch adds to
            (audit:ix:<kind>:<value>, score seq, member seq), each once
  KEYS[6+k ..]    one tree block string per run (audit:tree:<level>:<chunk>)

  ARGV[1]  expected size: the log size the batch was built on; entry i
           (1-based) of the batch gets seq = expected + i - 1
  ARGV[2]  n, the number of entries
  ARGV[3]  the caller's right-of-way token, or '' when it holds none
  ARGV[4]  k, the number of index sorted sets
  ARGV[5]  byte offset of leaf expected - 1 in KEYS[5]
  ARGV[6]  the 32-byte leaf the caller believes is at seq expected - 1, or
           '' when the caller read its tree from Redis (then the size
           check alone suffices: the stored tree only ever grows)
  then n canonical JSON texts, in seq order
  then n epoch ms times, in seq order
  then, for each of the k index sets in KEYS order:
           c, then the c batch positions (0-based) of its entries
  then, for each tree run in KEYS order:
           byte offset, the run's 32-byte hashes concatenated (a run is
           the consecutive blocks of one level that the batch completes
           inside one chunk string)

  The chain check lets a caller send a batch built on top of an earlier
  batch of its own that Redis has not answered yet: if that batch was not
  stored, another writer may still have brought the log to the same size,
  but not with the same leaf (every build draws fresh entry ids, and the
  leaf hashes the entry's id and seq), so the later batch is refused too.

  Returns {1, new size} when stored; {0, current size} when another writer
  appended first or the chain check fails (the caller rebuilds the batch on
  the log as Redis holds it and retries); {2, current size} when another writer holds the right of way.
  The right of way keeps compare-and-set fair across hub processes: a
  writer that keeps losing takes it (SET NX PX), everyone else stands back
  until it has appended once, and the successful append releases it.
]]

local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local holder = redis.call('GET', KEYS[4])
if holder and holder ~= ARGV[3] then
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
  bodies[2 * i] = ARGV[6 + i]
  times[2 * i - 1] = ARGV[6 + n + i]
  times[2 * i] = seq
end
callInChunks('HSET', KEYS[2], bodies)
callInChunks('ZADD', KEYS[3], times)

local cursor = 7 + 2 * n
for j = 1, k do
  local count = tonumber(ARGV[cursor])
  local members = {}
  for m = 1, count do
    local seq = expected + tonumber(ARGV[cursor + m])
    members[2 * m - 1] = seq
    members[2 * m] = seq
  end
  callInChunks('ZADD', KEYS[5 + j], members)
  cursor = cursor + count + 1
end

for j = 6 + k, #KEYS do
  redis.call('SETRANGE', KEYS[j], tonumber(ARGV[cursor]), ARGV[cursor + 1])
  cursor = cursor + 2
end

local size = expected + n
redis.call('SET', KEYS[1], size)
if holder then
  redis.call('DEL', KEYS[4])
end
return {1, size}
