-- wrk script: POST /api/tasks as one user, into one project (from the environment).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEEL_BENCH_TOKEN")
wrk.body = '{"title":"Write the benchmark","priority":4,"project":"' .. os.getenv("KEEL_BENCH_PROJECT") .. '"}'
