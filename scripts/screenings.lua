-- wrk script: POST /v1/screenings cycling through a fixed mix of names
-- (Korean respellings of listed people, listed organisations, ordinary
-- names that match nothing). The API key comes from HIREVET_KEY.
local names = {
  "Jeong Seong-hwa", "Kim Jongun", "김정은", "Ri Chol-ho", "Pak Yong-sik",
  "Kim Min-jun", "Lee Seo-yeon", "Jane Doe", "John Smith", "Maria Garcia",
  "Sergey Lavrov", "Chinyong Information Technology Cooperation Company",
  "Korea Mining Development Trading Corporation", "Acme Widgets Ltd",
  "Mohammed Hassan", "Kim Yong Chol", "Choe Ryong-hae", "Park Ji-sung",
}
local key = os.getenv("HIREVET_KEY")
local i = 0
request = function()
  i = i + 1
  local name = names[(i % #names) + 1]
  local kind = "person"
  if name:find("Company") or name:find("Corporation") or name:find("Ltd") then
    kind = "organization"
  end
  local body = string.format('{"subject":{"kind":"%s","name":"%s"}}', kind, name)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }, body)
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f, errors %d (status %d), p50 %.2f ms, p99 %.2f ms\n",
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
