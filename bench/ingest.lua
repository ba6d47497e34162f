-- One wrk script for every ingest stream of bench/ingest_wrk.py.
--
--   wrk -t2 -c16 -d10s -s bench/ingest.lua URL -- FORMAT PER_REQUEST DISTINCT TAG [ROUTING_KEY]
--
-- FORMAT: "am" (Alertmanager's POST /api/v2/alerts), "hook" (the webhook Alertmanager sends
-- Tocsin, POST /hooks/{key}) or "pd" (a PagerDuty Events v2 trigger, POST /v2/enqueue).
-- DISTINCT "1": every alert of the run has its own key (thread number + a per-thread counter,
-- no shared state); "0": alerts repeat a fixed set of 200 keys. Every alert of a run has the
-- alert name "Bench" .. TAG, so a group by alertname puts them in one group.
-- `done` prints one line, "WRK {json}", that the Python side reads.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local format, per_request, distinct, tag, routing_key
local counter = 0
local parts = {}
local head, tail, sep

local REPEATED = 200

function init(args)
  format = args[1]
  per_request = tonumber(args[2])
  distinct = args[3] == "1"
  tag = args[4]
  routing_key = args[5] or ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if format == "hook" then
    head = '{"receiver":"tocsin","status":"firing","groupLabels":{"alertname":"Bench' .. tag
      .. '"},"commonLabels":{},"commonAnnotations":{},"externalURL":"","version":"4",'
      .. '"groupKey":"{}:{}","truncatedAlerts":0,"alerts":['
    tail = "]}"
  elseif format == "am" then
    head, tail = "[", "]"
  else
    head, tail = "", ""
  end
end

local function key()
  if distinct then
    counter = counter + 1
    return tag .. "-" .. tid .. "-" .. counter
  end
  counter = counter + 1
  return tag .. "-r" .. (counter % REPEATED)
end

local function alert(k)
  local labels = '{"alertname":"Bench' .. tag .. '","instance":"' .. k
    .. '","severity":"warning"}'
  if format == "am" then
    return '{"labels":' .. labels .. ',"annotations":{"summary":"load on ' .. k .. '"}}'
  elseif format == "hook" then
    return '{"status":"firing","labels":' .. labels .. ',"annotations":{"summary":"load on '
      .. k .. '"},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z",'
      .. '"generatorURL":"","fingerprint":"' .. k .. '"}'
  end
  return '{"routing_key":"' .. routing_key .. '","event_action":"trigger","dedup_key":"' .. k
    .. '","payload":{"summary":"Bench' .. tag .. ' load on ' .. k
    .. '","source":"' .. k .. '","severity":"warning"}}'
end

function request()
  for i = 1, per_request do
    parts[i] = alert(key())
  end
  return wrk.format(nil, nil, nil, head .. table.concat(parts, ",", 1, per_request) .. tail)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"status_errors":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
