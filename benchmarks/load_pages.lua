-- wrk script for benchmarks/load_pages.py: every connection walks the list of pages round-robin
-- (each page with its role's session cookie) and times each response by page.
--
-- Run with one connection per wrk thread (-t N -c N): a thread then has exactly one request in
-- flight, so the time from request() to response() is that page's latency. The pages come from
-- a tab-separated file (name, path, cookie) given after `--`; the per-page results are written
-- as JSON to $KESHER_LOAD_OUT when the run ends.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } kesher_timespec;
  int clock_gettime(int clock_id, kesher_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("kesher_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

-- main state: remember the threads, number them so each starts at a different page
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

-- thread state. wrk's thread:get copies flat tables only (nested ones crash it), so each page's
-- latencies live in their own global, lat_<i>.
local pages = {}
local latencies = {}  -- latencies[i] is the table _G["lat_" .. i]: microseconds per response
pages_count = 0
non2xx = {}           -- non2xx[i]: responses of page i outside 200..299
local index, current, started = 0, nil, 0

function init(args)
  for line in io.lines(args[1]) do
    local name, path, cookie = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
    if name then
      local headers = { ["Accept"] = "text/html" }
      if cookie ~= "" then headers["Cookie"] = cookie end
      table.insert(pages, { name = name, path = path, headers = headers })
      local taken = {}
      table.insert(latencies, taken)
      _G["lat_" .. #pages] = taken
      table.insert(non2xx, 0)
    end
  end
  pages_count = #pages
  index = ((thread_number or 1) - 1) % #pages
end

function request()
  index = index % #pages + 1
  current = index
  started = now_us()
  local page = pages[index]
  return wrk.format("GET", page.path, page.headers)
end

function response(status, headers, body)
  if current == nil then return end
  local taken = latencies[current]
  taken[#taken + 1] = now_us() - started
  if status < 200 or status > 299 then
    non2xx[current] = non2xx[current] + 1
  end
  current = nil
end

local function json_list(values)
  local parts = {}
  for i, v in ipairs(values) do parts[i] = string.format("%d", v) end
  return "[" .. table.concat(parts, ",") .. "]"
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("KESHER_LOAD_OUT"), "w"))
  out:write(string.format(
    '{"requests": %d, "seconds": %f, "status_errors": %d, "socket_errors": %d,' ..
    ' "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "threads": [',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  for t, thread in ipairs(threads) do
    local count = thread:get("pages_count")
    local bad = thread:get("non2xx")
    if t > 1 then out:write(",") end
    out:write("[")
    for i = 1, count do
      if i > 1 then out:write(",") end
      local lat = thread:get("lat_" .. i)
      out:write(string.format('{"latencies_us": %s, "non2xx": %d}', json_list(lat), bad[i]))
    end
    out:write("]")
  end
  out:write("]}\n")
  out:close()
end
