-- wrk script: POST /api/graphql, a page of 20 tasks with their projects, as one user (the
-- same records and fields as GET /api/tasks?limit=20&expand=project, totals included).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEEL_BENCH_TOKEN")
wrk.body = '{"query":"{ tasks(first: 20) { nodes { id title notes status priority dueAt ownerId createdAt updatedAt '
  .. 'project { id name description archived ownerId createdAt updatedAt } } totalCount } }"}'
