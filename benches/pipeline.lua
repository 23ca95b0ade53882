-- wrk script: send DEPTH pipelined GET requests in one write (default 16).
-- usage: wrk -t1 -c64 -d10s -s benches/pipeline.lua http://127.0.0.1:PORT/ -- 16
-- wrk counts a request per response, so Requests/sec is per request, not per batch;
-- its latency histogram is per batch and not meaningful here.
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  req = table.concat(r)
end
request = function() return req end
