--[[
  Appends a batch of audit entries to the log, atomically, if and only if the
  log still has the size the caller hashed the batch against (compare-and-set).

  The caller (src/audit/appender.ts) has already assigned seq numbers, built
  the final entries, canonicalised them (RFC 8785) and computed every hash in
  Node: SHA-256 inside Lua would cost Redis time and block every other client.
  This script only checks the size and stores; it runs as one unit, so a
  reader never sees an entry without its leaf, its tree blocks or its indexes.

  KEYS[1]  audit:size         string: number of entries in the log
  KEYS[2]  audit:entries      hash: seq -> canonical JSON of the entry
  KEYS[3]  audit:ix:time      sorted set: score epoch ms, member seq
  KEYS[4]  audit:writer       string: token of a writer that lost the race
            too often and now has the right of way (expires by itself)
  KEYS[5..] every other key the batch writes, each once: tree block strings
            (audit:tree:<level>:<chunk>) and index sorted sets
            (audit:ix:<kind>:<value>, score seq, member seq)

  ARGV[1]  expected size: the log size the batch was built on
  ARGV[2]  n, the number of entries
  ARGV[3]  w, the number of tree block writes
  ARGV[4]  the caller's right-of-way token, or '' when it holds none
  then, for each of the n entries:
           seq, canonical JSON, epoch ms, c, then c positions in KEYS of the
           index sorted sets the entry belongs to
  then, for each of the w block writes:
           position in KEYS of the tree string, byte offset, 32-byte hash

  Returns {1, new size} when stored; {0, current size} when another writer
  appended first (the caller rebuilds the batch on the new size and
  retries); {2, current size} when another writer holds the right of way.
  The right of way keeps compare-and-set fair across hub processes: a
  writer that keeps losing takes it (SET NX PX), everyone else stands back
  until it has appended once, and the successful append releases it.
]]

local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local holder = redis.call('GET', KEYS[4])
if holder and holder ~= ARGV[4] then
  return {2, current}
end
local expected = tonumber(ARGV[1])
if current ~= expected then
  return {0, current}
end

local n = tonumber(ARGV[2])
local w = tonumber(ARGV[3])
local cursor = 5

for _ = 1, n do
  local seq = ARGV[cursor]
  local entry = ARGV[cursor + 1]
  local millis = ARGV[cursor + 2]
  local count = tonumber(ARGV[cursor + 3])
  cursor = cursor + 4
  redis.call('HSET', KEYS[2], seq, entry)
  redis.call('ZADD', KEYS[3], millis, seq)
  for _ = 1, count do
    redis.call('ZADD', KEYS[tonumber(ARGV[cursor])], seq, seq)
    cursor = cursor + 1
  end
end

for _ = 1, w do
  redis.call('SETRANGE', KEYS[tonumber(ARGV[cursor])], tonumber(ARGV[cursor + 1]), ARGV[cursor + 2])
  cursor = cursor + 3
end

local size = expected + n
redis.call('SET', KEYS[1], size)
if holder then
  redis.call('DEL', KEYS[4])
end
return {1, size}
