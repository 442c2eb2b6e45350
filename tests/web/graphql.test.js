'use strict';
// /api/graphql as GraphQL's own tools see it: graphql-js builds a client schema from keel's
// introspection and finds it valid, and it prints as `keel graphql-schema` does; graphql-http's
// server audits (GraphQL over HTTP) all pass, MUST, SHOULD and MAY; a nested query costs the same
// database operations (/metrics) for 1 task and 100, and a refused one none; and the answers
// equal REST's for the owner of records, another user and an admin.
// Usage: node graphql.test.js <keel> <resources.yaml>
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { webRequire, admin, startKeel } = require('./keel.js');

const graphql = webRequire('graphql');
const { auditServer } = webRequire('graphql-http');

const [keel, resourcesFile] = process.argv.slice(2);
if (!keel || !resourcesFile) {
  console.error('usage: node graphql.test.js <keel> <resources.yaml>');
  process.exit(2);
}

test('GraphQL at /api/graphql', async (t) => {
  const server = await startKeel(keel, resourcesFile);
  t.after(() => server.stop());
  const endpoint = `${server.url}/api/graphql`;

  async function post(query, token, variables) {
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  }
  async function rest(method, path, token, body) {
    const headers = { authorization: `Bearer ${token}` };
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers, body: body && JSON.stringify(body) });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  }
  async function account(email) {
    const res = await fetch(`${server.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'graphql password 1', name: 'G' }),
    });
    assert.equal(res.status, 201, `register ${email}`);
    return (await res.json()).accessToken;
  }
  const owner = await account('owner@example.com');
  const other = await account('other@example.com');
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin),
  });
  const root = (await login.json()).accessToken;

  await t.test('introspection builds a valid client schema that prints as `keel graphql-schema`', async () => {
    const res = await post(graphql.getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }));
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    assert.equal(res.body.errors, undefined);
    const schema = graphql.buildClientSchema(res.body.data);
    assert.deepEqual(graphql.validateSchema(schema).map((e) => e.message), []);
    const printed = spawnSync(keel, ['graphql-schema'], {
      env: { PATH: process.env.PATH, RESOURCES_FILE: resourcesFile }, encoding: 'utf8',
    });
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(graphql.printSchema(schema).trim(), printed.stdout.trim());
    // Every query below is valid against what keel described.
    const doc = graphql.parse('{ tasks(first: 2, sort: [PRIORITY_DESC]) { nodes { id project { tasks { totalCount } } } } }');
    assert.deepEqual(graphql.validate(schema, doc).map((e) => e.message), []);
  });

  await t.test("graphql-http's server audits pass", async () => {
    const results = await auditServer({ url: endpoint });
    const failed = results.filter((r) => r.status !== 'ok')
      .map((r) => `${r.id} ${r.name}: ${r.reason}`);
    assert.deepEqual(failed, [], `${results.length} audits`);
    assert.ok(results.length >= 40, `${results.length} audits ran`);
  });

  // Database operations so far, as /metrics counts them (every op of keel_db_query_duration_seconds).
  async function databaseOps() {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith('keel_db_query_duration_seconds_count'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  }
  // The fewest database operations `run` cost in 5 tries (background jobs use the database too).
  async function fewestOps(run) {
    let fewest = Infinity;
    for (let i = 0; i < 5; i++) {
      const before = await databaseOps();
      await run();
      fewest = Math.min(fewest, (await databaseOps()) - before);
    }
    return fewest;
  }

  await t.test('relations cost the same for 1 task and 100; refused queries touch no database', async () => {
    const other = await account('hundred@example.com');
    for (let i = 0; i < 100; i++) {
      const project = await rest('POST', '/api/projects', other, { name: `P${i}` });
      assert.equal((await rest('POST', '/api/tasks', other, { title: `T${i}`, project: project.body.id })).status, 201);
    }
    const nested = (n) => `{ tasks(first: ${n}) { nodes { id project { name } } } }`;
    const cost = (n) => fewestOps(async () => {
      const res = await post(nested(n), other);
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.data.tasks.nodes.length, n);
      assert.ok(res.body.data.tasks.nodes.every((task) => task.project?.name?.startsWith('P')));
    });
    const one = await cost(1);
    assert.ok(one > 0, 'a query reads the database');
    assert.equal(await cost(100), one, 'the same database operations for 100 tasks as for 1');
    for (const [query, message] of [
      ['{ projects(first: 1) { nodes { tasks(first: 1) { nodes { project { tasks(first: 1) { nodes { project { tasks(first: 1) { nodes { id } } } } } } } } } } }',
        'Query depth 11 exceeds the limit of 10'],
      ['{ projects(first: 100) { nodes { tasks(first: 50) { totalCount } } } }', 'Query cost 10200 exceeds the limit of 10000'],
    ]) {
      const ops = await fewestOps(async () => {
        const res = await post(query, other);
        assert.equal(res.status, 400);
        assert.equal(res.body.data, undefined);
        assert.deepEqual(res.body.errors.map((e) => [e.message, e.extensions.code]), [[message, 'VALIDATION_ERROR']]);
      });
      assert.equal(ops, 0, `${message}: no database operation`);
    }
  });

  await t.test('queries and mutations answer what REST answers', async () => {
    const project = await rest('POST', '/api/projects', owner, { name: 'Launch' });
    assert.equal(project.status, 201);
    for (let i = 0; i < 3; i++) {
      const task = await rest('POST', '/api/tasks', owner, { title: `T${i}`, priority: i + 1, project: project.body.id });
      assert.equal(task.status, 201);
    }
    const fields = 'id title notes status priority dueAt ownerId createdAt updatedAt';
    for (const [who, token] of [['owner', owner], ['other', other], ['admin', root]]) {
      const listed = await rest('GET', '/api/tasks?sort=-priority&limit=50', token);
      const res = await post(`{ tasks(sort: [PRIORITY_DESC], first: 50) { nodes { ${fields} project { id } } totalCount } }`, token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.data.tasks.nodes,
        listed.body.data.map((t) => ({ ...t, project: { id: t.project } })), who);
      assert.equal(res.body.data.tasks.totalCount, listed.body.meta.total, who);
    }
    // The same invalid input: REST's details, as extensions.details.
    const bad = { title: '', priority: 9, project: project.body.id };
    const refused = await rest('POST', '/api/tasks', owner, bad);
    assert.equal(refused.status, 400);
    const res = await post('mutation($in: TaskCreateInput!) { createTask(input: $in) { id } }', owner, { in: bad });
    assert.equal(res.status, 200);
    assert.equal(res.body.data, null);
    assert.equal(res.body.errors[0].extensions.code, 'VALIDATION_ERROR');
    assert.deepEqual(res.body.errors[0].extensions.details, refused.body.error.details);
    assert.deepEqual(res.body.errors[0].path, ['createTask']);
  });
});
