-- wrk script: POST one SPARQL query (a form body read from a file) and print the figures as JSON.
-- Usage: wrk -s benchmarks/sparql.lua URL -- BODY_FILE [ACCEPT] [unique]
-- With "unique", every request's query ends in a comment of its own ("#t1-42"), so that
-- no answer is ever asked for twice: what a server's answer cache cannot help with.
local body = ""
local accept = "application/sparql-results+json"
local unique = false
local counter = 0
local threads = {}
local id = 0

function setup(thread)
  id = id + 1
  thread:set("id", id)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  body = f:read("*a")
  f:close()
  if args[2] and args[2] ~= "" then accept = args[2] end
  unique = args[3] == "unique"
end

function request()
  local sent = body
  if unique then
    counter = counter + 1
    -- A newline and a comment, URL-encoded, after the query parameter's value.
    sent = string.gsub(body, "^(query=[^&]*)", "%1%%0A%%23t" .. tostring(id) .. "-" .. tostring(counter))
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = accept,
  }, sent)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
