/**
 * One page of an audit search, run inside Redis so that the intersection of
 * the index sorted sets costs one round trip and stops as soon as the page is
 * full (the smallest set drives; the others are probed with ZSCORE, O(1)).
 *
 * KEYS[1]  audit:ix:time   (score = epoch ms, member = seq)
 * KEYS[2]  audit:size      (number of entries appended)
 * KEYS[3..] index sets to intersect (score = seq, member = seq); the
 *           agency DPO's own agency index is one of them, so scope is
 *           applied inside the query, never after paging.
 * ARGV[1]  exclusive upper bound on seq (the cursor), or '' for none
 * ARGV[2]  page size (1..500)
 * ARGV[3]  lower time bound in epoch ms (inclusive), or ''
 * ARGV[4]  upper time bound in epoch ms (inclusive), or ''
 * ARGV[5]  most members to examine in this call (keeps Redis responsive
 *          on sparse intersections; a short page then carries a cursor)
 * ARGV[6]  a time range holding at most this many entries drives the walk
 *
 * Returns { next, seq, seq, ... } newest first; next = -1 when nothing
 * older matches, else the caller's next cursor: the last seq returned when
 * a further match exists, or the last seq examined when the budget ran out
 * first (a short page).
 */
export const SEARCH_SCRIPT = `
local timeKey = KEYS[1]
local sizeKey = KEYS[2]
local sets = {}
for i = 3, #KEYS do sets[#sets + 1] = KEYS[i] end

local before = ARGV[1] ~= '' and tonumber(ARGV[1]) or nil
local limit = tonumber(ARGV[2])
local hasTime = ARGV[3] ~= '' or ARGV[4] ~= ''
local fromMs = ARGV[3] ~= '' and tonumber(ARGV[3]) or -math.huge
local toMs = ARGV[4] ~= '' and tonumber(ARGV[4]) or math.huge
local budget = tonumber(ARGV[5])
local timeDriverMax = tonumber(ARGV[6])
local fromArg = ARGV[3] ~= '' and ARGV[3] or '-inf'
local toArg = ARGV[4] ~= '' and ARGV[4] or '+inf'

local function inTime(member)
  if not hasTime then return true end
  local t = redis.call('ZSCORE', timeKey, member)
  if not t then return false end
  t = tonumber(t)
  return t >= fromMs and t <= toMs
end

local function inSets(member, first)
  for i = first, #sets do
    if not redis.call('ZSCORE', sets[i], member) then return false end
  end
  return true
end

local function finish(next, out)
  local result = { next }
  for i = 1, #out do result[#result + 1] = out[i] end
  return result
end

-- Smallest set first: it bounds the work.
local smallest = math.huge
if #sets > 0 then
  local cards = {}
  for i = 1, #sets do
    cards[sets[i]] = redis.call('ZCARD', sets[i])
    if cards[sets[i]] == 0 then return { -1 } end
  end
  table.sort(sets, function(a, b) return cards[a] < cards[b] end)
  smallest = cards[sets[1]]
end

-- A narrow time range is the best driver: read it whole, keep the matches.
if hasTime then
  local inRange = redis.call('ZCOUNT', timeKey, fromArg, toArg)
  if inRange == 0 then return { -1 } end
  if inRange <= timeDriverMax and inRange < smallest then
    local members = redis.call('ZRANGEBYSCORE', timeKey, fromArg, toArg)
    local matches = {}
    for _, m in ipairs(members) do
      local seq = tonumber(m)
      if (before == nil or seq < before) and inSets(m, 1) then matches[#matches + 1] = seq end
    end
    table.sort(matches, function(a, b) return a > b end)
    local out = {}
    for i = 1, math.min(limit, #matches) do out[i] = tostring(matches[i]) end
    if #matches > limit then return finish(matches[limit], out) end
    return finish(-1, out)
  end
end

local out = {}
local examined = 0

-- No set to intersect: walk seqs downwards from the top of the log.
if #sets == 0 then
  local size = tonumber(redis.call('GET', sizeKey) or '0')
  local seq = size - 1
  if before ~= nil and before - 1 < seq then seq = before - 1 end
  while seq >= 0 do
    examined = examined + 1
    local m = tostring(seq)
    if inTime(m) then
      out[#out + 1] = m
      if #out >= limit then
        if seq == 0 then return finish(-1, out) end
        return finish(seq, out)
      end
    end
    if examined >= budget and seq > 0 then return finish(seq, out) end
    seq = seq - 1
  end
  return finish(-1, out)
end

-- Walk the smallest set newest first, probing the others. Once the page is
-- full the walk goes on to the next match: a cursor is given only when one
-- exists, never because the driving set holds older members. Those may be
-- entries the other sets (an agency DPO's scope among them) leave out, and a
-- cursor must not say that they exist.
local upper = before ~= nil and ('(' .. before) or '+inf'
local lastOut = nil
while true do
  local batch = redis.call('ZREVRANGEBYSCORE', sets[1], upper, '-inf', 'LIMIT', 0, 256)
  if #batch == 0 then return finish(-1, out) end
  for _, m in ipairs(batch) do
    examined = examined + 1
    if inSets(m, 2) and inTime(m) then
      if lastOut ~= nil then return finish(lastOut, out) end
      out[#out + 1] = m
      if #out >= limit then lastOut = tonumber(m) end
    end
    if examined >= budget then
      if lastOut ~= nil then return finish(lastOut, out) end
      if redis.call('ZCOUNT', sets[1], '-inf', '(' .. m) == 0 then return finish(-1, out) end
      return finish(tonumber(m), out)
    end
  end
  upper = '(' .. batch[#batch]
end
`;
