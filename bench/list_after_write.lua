-- wrk script: the admin list with its total counted afresh each time. Requests alternate: a
-- PATCH of one task (a write: the data's version moves, so the kept total is stale), then
-- GET /api/tasks?status=todo&sort=-priority&limit=20. From the environment: KEEL_BENCH_TOKEN
-- (an admin's), KEEL_BENCH_TASK (the task to patch).
local token = "Bearer " .. os.getenv("KEEL_BENCH_TOKEN")
local patch_path = "/api/tasks/" .. os.getenv("KEEL_BENCH_TASK")
local list_path = "/api/tasks?status=todo&sort=-priority&limit=20"
local n = 0

request = function()
  n = n + 1
  if n % 2 == 1 then
    return wrk.format("PATCH", patch_path, {
      ["Authorization"] = token,
      ["Content-Type"] = "application/json",
    }, '{"title":"Patched ' .. n .. '"}')
  end
  return wrk.format("GET", list_path, { ["Authorization"] = token })
end
