-- wrk script: POST /v1/candidates with a new external id each time (the
-- response carries the first assessment). Names cycle through Korean
-- respellings of listed people and ordinary names. Key from HIREVET_KEY.
local names = {
  "Jeong Seong-hwa", "Kim Min-jun", "Lee Seo-yeon", "Jane Doe", "John Smith",
  "Maria Garcia", "Ri Chol-ho", "Park Ji-sung", "Mohammed Hassan", "Avery Johnson",
}
local key = os.getenv("HIREVET_KEY")
local counter = 0
local area_codes = {"512", "737", "214", "469"}

-- Runs in the main Lua state once per thread: gives each thread its own
-- external-id prefix and phone area code, so no two requests collide.
setup = function(thread)
  counter = counter + 1
  thread:set("prefix", string.format("t%d-%d", counter, math.random(1, 1e9)))
  thread:set("area", area_codes[(counter - 1) % #area_codes + 1])
end

local i = 0
request = function()
  i = i + 1
  local name = names[(i % #names) + 1]
  local body = string.format(
    '{"external_id":"%s-%d","full_name":"%s","emails":["%s-%d@mail.example"],' ..
    '"phones":["+1 %s 555 %04d"],"claimed_location":{"country":"US","timezone":"America/Chicago"}}',
    prefix, i, name, prefix, i, area, i % 10000)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("status " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f, errors %d (status %d), p50 %.2f ms, p99 %.2f ms\n",
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
