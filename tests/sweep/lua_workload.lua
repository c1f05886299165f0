-- The sweep's Lua workload: each round exercises the parser, the VM, the
-- GC, strings, tables, closures, coroutines, errors and the libraries, and
-- appends "round N sum S total T" to LOG. S is the same every round and T
-- (state carried across rounds) grows by S: the sweep checks both after
-- every patch. Usage: lua lua_workload.lua LOG [ROUNDS]  (0: forever)
local log_path, rounds = arg[1], tonumber(arg[2] or "0")
local total = 0

local function round()
  local s = 0
  local t = {}
  for i = 1, 200 do t[i] = (i * 7919) % 1009 end
  table.sort(t)
  s = s + t[1] + t[#t] + #t
  local words = {}
  for w in string.gmatch("the quick brown fox jumps over the lazy dog", "%a+") do
    words[#words + 1] = w:upper():reverse()
  end
  s = s + #table.concat(words, ",")
  s = s + select(2, string.gsub(string.rep("abc", 50), "b", "x"))
  local f = load("local a, b = ... return a * b + #tostring(a)")
  s = s + f(6, 7)
  local co = coroutine.wrap(function(n)
    for i = 1, n do coroutine.yield(i * i) end
    return -1
  end)
  s = s + co(5) + co() + co()
  local ok, err = pcall(error, {code = 17})
  if not ok then s = s + err.code end
  s = s + math.floor(math.sqrt(144) + math.abs(-3) + math.max(1, 9))
  s = s + utf8.len("héllo") + #string.format("%5.2f|%d|%s", 3.14159, 42, "x")
  local mt = setmetatable({}, {__index = function(_, k) return k * 2 end})
  s = s + mt[21]
  local acc = {}
  for i = 1, 50 do acc["k" .. i] = {i, tostring(i)} end
  local n = 0
  for k, v in pairs(acc) do n = n + v[1] end
  s = s + n
  s = s + (string.pack and #string.pack("i4i8", 1, 2) or 0)
  s = s + #os.date("!%Y", 0) + (tonumber("0x10") or 0) + (3 // 2) + (7 % 3)
  collectgarbage("step")
  return s
end

local i = 0
while rounds == 0 or i < rounds do
  i = i + 1
  local s = round()
  total = total + s
  local out = io.open(log_path, "a")
  out:write(string.format("round %d sum %d total %d\n", i, s, total))
  out:close()
  if rounds == 0 then os.execute("sleep 0.05") end
end
