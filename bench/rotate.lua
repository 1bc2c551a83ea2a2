-- rotate.lua — wrk script of scripts/bench-residents: requests that rotate
-- over the lines of a file, so that each request asks for something else.
--
--   wrk ... -s bench/rotate.lua URL -- FILE               GET each line (a path)
--   wrk ... -s bench/rotate.lua URL -- FILE POST PATH     POST each line (a body) to PATH
--
-- Headers given with -H (the session cookie, X-CSRF-Token, Content-Type) go
-- with every request. The requests are built once per wrk thread, so the
-- client spends nothing on them while measuring; each thread starts at its
-- own place in the list.

local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local reqs = {}
local i = 0

function init(args)
  local file, method, path = args[1], args[2], args[3]
  if not file then
    error("rotate.lua: give the file after --")
  end
  for line in io.lines(file) do
    if line ~= "" then
      if method then
        reqs[#reqs + 1] = wrk.format(method, path, nil, line)
      else
        reqs[#reqs + 1] = wrk.format("GET", line)
      end
    end
  end
  if #reqs == 0 then
    error("rotate.lua: " .. file .. " has no lines")
  end
  i = (tid or 0) * math.floor(#reqs / 2) % #reqs
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end
