-- wrk script for bench/checkin-load.sh: every request is a check-in of a new
-- attendee (unique name and e-mail from the wrk thread id and a per-thread
-- counter), so the server records each one instead of answering with an
-- existing receipt.
--
--   wrk -t2 -c64 -d20s --latency -s bench/checkin.lua \
--       http://127.0.0.1:PORT/api/v1/meetings/MEETING_ID/checkins -- TOKEN CODE_SHA256
--
-- With the argument `baseline` instead (no token, no code), it sends wrk's
-- plain GET of the URL and only reports, so the baseline is measured with the
-- same reporting.
--
-- With `meetings FILE` (bench/trust-load.sh), FILE holds one line per open
-- meeting, "MEETING_ID PRESENCE_TOKEN CODE_SHA256"; the check-ins go to the
-- meetings in turn (the URL's path is then ignored):
--
--   wrk ... -s bench/checkin.lua http://127.0.0.1:PORT/ -- meetings FILE
--
-- done() prints one machine-readable line, parsed by checkin-load.sh:
--   BENCH requests=N sent=N duration_s=X rps=X p50_ms=X p99_ms=X non2xx=N
--         socket_errors=N status_201=N status_200=N ...

local threads = {}
local next_id = 0

-- Runs in the main Lua state, once per thread, before the run.
function setup(thread)
   next_id = next_id + 1
   thread:set("thread_id", next_id)
   table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state).
local mode = "checkin"
local token, code
local meetings = {}
-- An optional run tag keeps names unique across several wrk runs.
local tag = ""
local counter = 0
sent = 0
statuses = {}

function init(args)
   if args[1] == "baseline" then
      mode = "baseline"
      return
   end
   if args[1] == "meetings" then
      mode = "meetings"
      for line in io.lines(args[2]) do
         local id, t, c = line:match("^(%S+) (%S+) (%S+)$")
         if id then
            table.insert(meetings, { path = "/api/v1/meetings/" .. id .. "/checkins", token = t, code = c })
         end
      end
      if #meetings == 0 then
         error("no meetings in " .. tostring(args[2]))
      end
      return
   end
   token, code = args[1], args[2]
   if args[3] then
      tag = args[3] .. "-"
   end
   if not token or not code then
      error("usage: -s checkin.lua URL -- PRESENCE_TOKEN CODE_SHA256 (or -- baseline)")
   end
end

function request()
   sent = sent + 1
   if mode == "baseline" then
      return wrk.format(nil, nil)
   end
   counter = counter + 1
   -- thread_id is set by setup() before init(); unique per thread and run.
   local who = string.format("%st%d-%d", tag, thread_id, counter)
   local path = nil
   if mode == "meetings" then
      local m = meetings[(counter + thread_id) % #meetings + 1]
      token, code, path = m.token, m.code, m.path
   end
   local body = string.format(
      '{"token":"%s","name":"Bench Attendee %s","organization":"Load Test Org",' ..
      '"country":"Nowhere / LT","role":"delegate","email":"%s@bench.example.org",' ..
      '"acknowledged":true,"code_sha256":"%s"}',
      token, who, who, code)
   return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

-- Runs in the main Lua state after the run.
function done(summary, latency, requests)
   local total_sent = 0
   local merged = {}
   for _, t in ipairs(threads) do
      total_sent = total_sent + (t:get("sent") or 0)
      for k, v in pairs(t:get("statuses") or {}) do
         merged[k] = (merged[k] or 0) + v
      end
   end
   -- wrk calls request() once in the first thread before the run, to check
   -- the script; that request is never sent.
   total_sent = math.max(total_sent - 1, 0)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   local line = string.format(
      "BENCH requests=%d sent=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d",
      summary.requests, total_sent, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.status, e.connect + e.read + e.write + e.timeout)
   local keys = {}
   for k in pairs(merged) do table.insert(keys, k) end
   table.sort(keys)
   for _, k in ipairs(keys) do
      line = line .. string.format(" status_%s=%d", k, merged[k])
   end
   io.write(line .. "\n")
end
