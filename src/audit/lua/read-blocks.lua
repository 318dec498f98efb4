--[[
  Reads the tree blocks a proof or root needs, and the log's size, in one
  call (src/audit/tree-store.ts). A pipeline of one GETRANGE per block did
  the same in one round trip, but cost Node a command object, a promise and
  an encoding per block: at ~20 blocks per proof that was most of a proof's
  CPU and garbage. Reads only.

  KEYS[1]      audit:size         string: number of entries in the log
  KEYS[2 ..]   for each block wanted, in order, the tree string holding it
               (audit:tree:<level>:<chunk>; a key may repeat)

  ARGV[i]      byte offset of block i in KEYS[i + 1]

  Returns {size, block 1, block 2, ...}: each block its 32 bytes, or fewer
  (the empty string) when the tree string does not reach it.
]]

local result = {tonumber(redis.call('GET', KEYS[1]) or '0')}
for i = 1, #ARGV do
  local offset = tonumber(ARGV[i])
  result[i + 1] = redis.call('GETRANGE', KEYS[i + 1], offset, offset + 31)
end
return result
