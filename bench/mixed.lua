-- mixed.lua — wrk script of scripts/bench-load: a fixed mix of reads,
-- searches and writes, each rotating over the lines of its own file.
--
--   wrk ... -s bench/mixed.lua URL -- READS SEARCHES WRITES POST_PATH R S W
--
-- READS and SEARCHES hold paths (GET), WRITES holds bodies POSTed to
-- POST_PATH; out of every R + S + W requests, R are reads, S searches and W
-- writes, interleaved (not in bursts). Headers given with -H (the session
-- cookie, X-CSRF-Token, Content-Type) go with every request. Requests are
-- built once per wrk thread; each thread starts at its own place in each list.

local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local lists = {}
local pos = {}
local order = {}
local n = 0

local function load(file, method, path)
  local out = {}
  for line in io.lines(file) do
    if line ~= "" then
      if method then
        out[#out + 1] = wrk.format(method, path, nil, line)
      else
        out[#out + 1] = wrk.format("GET", line)
      end
    end
  end
  if #out == 0 then
    error("mixed.lua: " .. file .. " has no lines")
  end
  return out
end

function init(args)
  if #args < 7 then
    error("mixed.lua: give READS SEARCHES WRITES POST_PATH R S W after --")
  end
  lists[1] = load(args[1])
  lists[2] = load(args[2])
  lists[3] = load(args[3], "POST", args[4])
  local weights = { tonumber(args[5]), tonumber(args[6]), tonumber(args[7]) }
  -- Spread each kind evenly over one cycle of R + S + W requests.
  local total = weights[1] + weights[2] + weights[3]
  local credit = { 0, 0, 0 }
  for _ = 1, total do
    local best = 1
    for k = 1, 3 do
      credit[k] = credit[k] + weights[k]
      if credit[k] > credit[best] then best = k end
    end
    credit[best] = credit[best] - total
    order[#order + 1] = best
  end
  for k = 1, 3 do
    pos[k] = (tid or 0) * math.floor(#lists[k] / 2) % #lists[k]
  end
end

function request()
  n = n % #order + 1
  local k = order[n]
  pos[k] = pos[k] % #lists[k] + 1
  return lists[k][pos[k]]
end
