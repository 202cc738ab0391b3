-- wrk script of tests/bench/load.py: sends pre-built requests, rotating over the lines of a file,
-- and counts the answers by status. Read from the environment:
--   BENCH_FILE      lines of "path<TAB>bearer token<TAB>value of BENCH_HEADER" (either may be empty)
--   BENCH_METHOD    GET, PUT or POST
--   BENCH_HEADER    the header carried by the third field (If-None-Match, If-Match)
--   BENCH_BODY_0..n optional JSON bodies: each line sends BENCH_BODY_0, then BENCH_BODY_1 on the
--                   next pass over the lines, and so on, so every write is a real change
--   BENCH_THREADS   wrk's thread count: thread k takes lines k, k + threads, ... as its own
-- done() prints one "bench-status <status> <count>" line per status seen.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local function fields_of(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

local function own_lines()
  local all = {}
  for line in io.lines(os.getenv("BENCH_FILE")) do
    table.insert(all, fields_of(line))
  end
  local thread_count = tonumber(os.getenv("BENCH_THREADS"))
  local mine = {}
  for index = thread_number, #all, thread_count do
    table.insert(mine, all[index])
  end
  -- Fewer lines than threads (/health/live has one): every thread sends all of them.
  return #mine > 0 and mine or all
end

local function build(method, header, fields, body)
  local headers = {}
  if fields[2] ~= "" then
    headers["Authorization"] = "Bearer " .. fields[2]
  end
  if fields[3] ~= "" then
    headers[header] = fields[3]
  end
  if body then
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, fields[1], headers, body)
end

local function bodies_of_environment()
  local bodies = {}
  local index = 0
  while os.getenv("BENCH_BODY_" .. index) do
    table.insert(bodies, os.getenv("BENCH_BODY_" .. index))
    index = index + 1
  end
  return bodies
end

local function build_pass(lines, body)
  local method = os.getenv("BENCH_METHOD")
  local header = os.getenv("BENCH_HEADER")
  local pass = {}
  for index, fields in ipairs(lines) do
    pass[index] = build(method, header, fields, body)
  end
  return pass
end

function init(args)
  local lines = own_lines()
  -- passes[p][i]: the request of line i on pass p; building them here keeps request() cheap.
  passes = {}
  for _, body in ipairs(bodies_of_environment()) do
    table.insert(passes, build_pass(lines, body))
  end
  if #passes == 0 then
    passes[1] = build_pass(lines, nil)
  end
  line_count = #lines
  counter = 0
  statuses = {}
end

function request()
  local pass = math.floor(counter / line_count) % #passes
  local index = counter % line_count
  counter = counter + 1
  return passes[pass + 1][index + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  for status, count in pairs(merged) do
    io.write(string.format("bench-status %d %d\n", status, count))
  end
end
