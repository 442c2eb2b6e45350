'use strict';
// The OpenAPI document tells the truth, as a third-party validator sees it: keel runs behind
// `prism proxy --errors` (@stoplight/prism-cli, pinned in web/package-lock.json), which checks
// every request against the document before forwarding it and every response keel sends back.
// A user's session touches every operation, on its success and error paths (fields, expand,
// cursors, conditional requests, edge values of every validated body field); any violation
// prism reports fails the test. Request bodies are prepared as a schema-driven client prepares
// them (ajv with useDefaults), so a documented default that the server doesn't apply shows up.
//
// Usage: node prism_proxy.test.js <keel> <resources.yaml> [--mutations]
// With --mutations the same session runs against documents with issue 13's findings 1-4 put
// back, one at a time, and each must fail: the check that this test can fail.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { repo, webRequire, admin, startKeel, deref, operations, mailedToken } = require('./keel.js');

const Ajv2020 = webRequire('ajv/dist/2020');

const [keel, resourcesFile, mode] = process.argv.slice(2);
if (!keel || !resourcesFile) {
  console.error('usage: node prism_proxy.test.js <keel> <resources.yaml> [--mutations]');
  process.exit(2);
}

const prismBin = path.join(repo, 'web', 'node_modules', '.bin', 'prism');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `prism proxy --errors` on `specFile` in front of `upstream`; { url, stop(), log() }. */
async function startPrism(specFile, upstream) {
  const port = await freePort();
  const child = spawn(prismBin, ['proxy', specFile, upstream, '--errors', '-h', '127.0.0.1', '-p', String(port)], {
    // Node's own 16 KB header limit would answer the 20 KB header check itself: let keel answer.
    env: { ...process.env, NODE_OPTIONS: '--max-http-header-size=65536' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 60000;
  while (!/Prism is listening/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prism did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, stop, log: () => output };
}

/** The document's path template ("/api/v1/tasks/{id}") a concrete path matches. */
function templateOf(doc, p) {
  const bare = p.split('?')[0];
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+')}$`);
    if (re.test(bare)) return template;
  }
  return undefined;
}

/** One user session through the proxy; collects every disagreement instead of stopping at one. */
class Session {
  constructor(doc, proxyUrl, keelUrl, tag) {
    this.doc = doc;
    this.proxyUrl = proxyUrl;
    this.keelUrl = keelUrl;
    this.tag = tag;  // makes this run's e-mail addresses unique
    this.problems = [];
    this.seen = new Map();  // "GET /api/v1/tasks" -> Set of status classes keel answered
    // Only to fill defaults in: formats are prism's and keel's to judge.
    this.ajv = new Ajv2020({ strict: false, useDefaults: true, allErrors: true, validateFormats: false, logger: false });
    this.fillers = new Map();
    this.ajv.addSchema({ $id: 'urn:keel:openapi', components: doc.components || {} });
  }

  problem(text) { this.problems.push(text); }

  /** A request body as a schema-driven client prepares it: the documented defaults filled in. */
  prepared(method, p, body) {
    const op = this.doc.paths[templateOf(this.doc, p)]?.[method.toLowerCase()];
    const media = deref(this.doc, op?.requestBody)?.content?.['application/json'];
    if (!media?.schema || body === undefined || body === null || typeof body !== 'object') return body;
    const copy = structuredClone(body);
    const key = JSON.stringify(media.schema);
    if (!this.fillers.has(key)) {
      this.fillers.set(key, this.ajv.compile(JSON.parse(key.replace(/"#\/components/g, '"urn:keel:openapi#/components'))));
    }
    this.fillers.get(key)(copy);  // fills defaults in; validity is prism's and keel's to judge
    return copy;
  }

  async raw(base, method, p, { token, body, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(`${base}${p}`, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** What prism said of the exchange: undefined when it forwarded and found nothing wrong. */
  static verdict(res) {
    const violations = res.headers.get('sl-violations');
    const prismError = (res.json?.type || '').startsWith('https://stoplight.io/prism/errors');
    if (!violations && !prismError) return undefined;
    return { status: res.status, type: res.json?.type, violations: violations || res.json?.validation || res.text };
  }

  /**
   * Sends a request through the proxy. A violation is a problem; so is a status other than
   * `expect` (a number, or a list of them). Returns the response.
   */
  async call(method, p, { token, body, headers, expect } = {}) {
    const template = templateOf(this.doc, p);
    if (!template) this.problem(`${method} ${p}: no documented path matches`);
    const sent = this.prepared(method, p, body);
    const res = await this.raw(this.proxyUrl, method, p, { token, body: sent, headers });
    const label = `${method} ${p}${sent !== undefined ? ` ${JSON.stringify(sent).slice(0, 200)}` : ''}`;
    const v = Session.verdict(res);
    if (v) {
      this.problem(`${label}: prism reports ${v.status} ${v.type || ''}: ${JSON.stringify(v.violations).slice(0, 1500)}`);
      return res;
    }
    this.record(method, template, res.status);
    const wanted = [].concat(expect ?? []);
    if (wanted.length > 0 && !wanted.includes(res.status)) {
      this.problem(`${label}: keel answered ${res.status} (wanted ${wanted.join(' or ')}): ${res.text.slice(0, 300)}`);
    }
    return res;
  }

  record(method, template, status) {
    const key = `${method.toUpperCase()} ${template}`;
    if (!this.seen.has(key)) this.seen.set(key, new Set());
    this.seen.get(key).add(Math.floor(status / 100));
  }

  /**
   * A body the document and the server must judge alike: `valid` says how both should. Sent
   * through the proxy; when prism refuses it, sent to keel directly for the server's verdict.
   */
  async judge(method, p, { token, body, valid, why }) {
    const sent = this.prepared(method, p, body);
    const label = `${method} ${p} ${JSON.stringify(sent).slice(0, 160)} (${why})`;
    const res = await this.raw(this.proxyUrl, method, p, { token, body: sent });
    const v = Session.verdict(res);
    let documentSays;
    let serverSays;
    if (v && res.status === 422) {  // prism refused the request itself: ask keel
      documentSays = false;
      const direct = await this.raw(this.keelUrl, method, p, { token, body: sent });
      serverSays = direct.status < 300;
      if (direct.status >= 300 && direct.status !== 400) {
        this.problem(`${label}: keel answered ${direct.status}, expected 2xx or 400: ${direct.text.slice(0, 200)}`);
      }
    } else if (v) {
      this.problem(`${label}: prism reports ${v.status} ${v.type || ''}: ${JSON.stringify(v.violations).slice(0, 1000)}`);
      return;
    } else {
      documentSays = true;
      serverSays = res.status < 300;
      this.record(method, templateOf(this.doc, p), res.status);
      if (res.status >= 300 && res.status !== 400) {
        this.problem(`${label}: keel answered ${res.status}, expected 2xx or 400: ${res.text.slice(0, 200)}`);
      }
    }
    if (documentSays !== serverSays) {
      this.problem(`${label}: the document ${documentSays ? 'accepts' : 'refuses'} it, keel ${serverSays ? 'accepts' : 'refuses'} it`);
    } else if (serverSays !== valid) {
      this.problem(`${label}: both ${serverSays ? 'accept' : 'refuse'} it; the test expects the opposite`);
    }
  }

  /** Every documented operation was answered by keel at least once with 2xx/3xx and with 4xx. */
  coverage() {
    for (const { path: p, method } of operations(this.doc)) {
      const classes = this.seen.get(`${method.toUpperCase()} ${p}`) || new Set();
      if (!classes.has(2) && !classes.has(3)) this.problem(`${method.toUpperCase()} ${p}: no success went through the proxy`);
      if (!classes.has(4)) this.problem(`${method.toUpperCase()} ${p}: no error path went through the proxy`);
    }
  }
}

const uuid0 = '00000000-0000-7000-8000-000000000000';
const bigHeader = { 'X-Padding': 'x'.repeat(20 * 1024) };

/** The session: returns the problems found (none when the document and keel agree). */
async function scenario(doc, proxyUrl, keelUrl, tag, dataDir) {
  const s = new Session(doc, proxyUrl, keelUrl, tag);
  s.mailDir = path.join(dataDir, 'mail');  // keel writes its mail there (no SMTP_URL)
  const email = (name) => `${name}-${tag}@example.com`;
  try {
    await run(s, email);
  } catch (e) {
    s.problem(`the session stopped: ${e.stack || e}`);
  }
  if (s.problems.length === 0) s.coverage();
  return s.problems;
}

async function run(s, email) {
  // Operations: each answers, and the transport's own 431 is what the document says.
  for (const p of ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']) {
    await s.call('GET', p, { expect: 200 });
    const res = await s.call('GET', p, { headers: bigHeader, expect: 431 });
    if (res.json?.error?.code !== 'HEADERS_TOO_LARGE') s.problem(`GET ${p} with a 20 KB header: code ${res.json?.error?.code}`);
  }

  // Accounts. Alice registers with padding the server trims and a password of 8 bytes in 4
  // characters (the server counts bytes).
  const reg = await s.call('POST', '/api/v1/auth/register', {
    body: { email: `  ${email('Alice').replace('alice', 'Alice')}  `, password: 'éééé', name: '  Alice  ' }, expect: 201,
  });
  if (reg.json?.user?.email !== email('alice')) s.problem(`register: email came back as ${reg.json?.user?.email}`);
  if (reg.json?.user?.name !== 'Alice') s.problem(`register: name came back as ${reg.json?.user?.name}`);
  await s.call('POST', '/api/v1/auth/register', { body: { email: email('alice'), password: 'another password', name: 'Alice' }, expect: 409 });
  const alice = (await s.call('POST', '/api/v1/auth/login', { body: { email: email('alice'), password: 'éééé' }, expect: 200 })).json;
  await s.call('POST', '/api/v1/auth/login', { body: { email: email('alice'), password: 'wrong password' }, expect: 401 });
  const refreshed = await s.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: alice.refreshToken }, expect: 200 });
  await s.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: 'not-a-refresh-token' }, expect: 401 });
  const token = refreshed.json.accessToken;
  await s.call('GET', '/api/v1/auth/me', { token, expect: 200 });
  await s.call('GET', '/api/v1/auth/me', { token: 'not.a.jwt', expect: 401 });

  // Account e-mail (API.md §11), with the tokens of the mail keel wrote (MAIL_THROTTLE=0 here).
  await s.call('POST', '/api/v1/auth/request-verification', { token, expect: 202 });
  await s.call('POST', '/api/v1/auth/request-verification', { token: 'not.a.jwt', expect: 401 });
  // Registration's mail and this one: the second's link is the one that works.
  const verifyToken = await mailedToken(s.mailDir, email('alice'), 'verify-email', { atLeast: 2 });
  const verified = await s.call('POST', '/api/v1/auth/verify-email', { body: { token: verifyToken }, expect: 200 });
  if (verified.json?.emailVerified !== true) s.problem(`verify-email: emailVerified is ${verified.json?.emailVerified}`);
  await s.call('POST', '/api/v1/auth/verify-email', { body: { token: verifyToken }, expect: 400 });
  await s.judge('POST', '/api/v1/auth/verify-email', { body: {}, valid: false, why: 'no token' });
  // The reset revokes every session: on an account of its own, so Alice's token lives on.
  await s.call('POST', '/api/v1/auth/register', { body: { email: email('dora'), password: 'dora password', name: 'Dora' }, expect: 201 });
  await s.call('POST', '/api/v1/auth/forgot-password', { body: { email: ` ${email('Dora')} ` }, expect: 202 });
  await s.call('POST', '/api/v1/auth/forgot-password', { body: { email: email('nobody') }, expect: 202 });
  await s.judge('POST', '/api/v1/auth/forgot-password', { body: { email: 'not-an-email' }, valid: false, why: 'no @' });
  // The one error a well-formed forgot-password meets (RATE_LIMIT_AUTH is off here): the transport's.
  await s.call('POST', '/api/v1/auth/forgot-password', { body: { email: email('nobody') }, headers: bigHeader, expect: 431 });
  const resetToken = await mailedToken(s.mailDir, email('dora'), 'reset-password');
  // Bytes, which a JSON Schema can't count: the document can't refuse this one, keel does.
  await s.call('POST', '/api/v1/auth/reset-password', { body: { token: resetToken, password: 'short' }, expect: 400 });
  await s.call('POST', '/api/v1/auth/reset-password', { body: { token: resetToken, password: 'dora new password' }, expect: 204 });
  await s.call('POST', '/api/v1/auth/reset-password', { body: { token: resetToken, password: 'dora new password' }, expect: 400 });
  await s.call('POST', '/api/v1/auth/login', { body: { email: email('dora'), password: 'dora new password' }, expect: 200 });

  // Edge values: the document and the server draw the same lines.
  const reg2 = (body, valid, why) => s.judge('POST', '/api/v1/auth/register', { body, valid, why });
  await reg2({ email: email('e1'), password: 'password 1', name: '' }, false, 'empty name');
  await reg2({ email: email('e2'), password: 'password 1', name: '   ' }, false, 'blank name');
  await reg2({ email: email('e3'), password: 'password 1', name: ` ${'n'.repeat(100)} ` }, true, '100 characters once trimmed');
  await reg2({ email: email('e4'), password: 'password 1', name: 'n'.repeat(101) }, false, '101 characters');
  await reg2({ email: `\t${email('E5').toUpperCase()}\n`, password: 'password 1', name: 'E5' }, true, 'padded upper-case email');
  await reg2({ email: 'not-an-email', password: 'password 1', name: 'E6' }, false, 'no @');
  await reg2({ email: `e7-${s.tag}@example`, password: 'password 1', name: 'E7' }, false, 'no TLD');
  await reg2({ email: `.e8-${s.tag}@example.com`, password: 'password 1', name: 'E8' }, false, 'leading dot');
  await reg2({ email: email('e9'), password: 'ñandú12', name: 'E9' }, true, 'a 7-character password of 9 bytes');
  await reg2({ email: email('e10'), password: 'password 1', name: 'E10', role: 'admin' }, false, 'role is not taken here');

  // The admin's view of users.
  const adminToken = (await s.call('POST', '/api/v1/auth/login', { body: admin, expect: 200 })).json.accessToken;
  await s.call('GET', '/api/v1/users', { token, expect: 403 });
  const users = await s.call('GET', `/api/v1/users?limit=2&sort=-createdAt&fields=email`, { token: adminToken, expect: 200 });
  if (users.json?.data?.some((u) => 'role' in u)) s.problem('GET /users?fields=email: rows carry fields not asked for');
  await s.call('GET', '/api/v1/users?password=secret', { token: adminToken, expect: 400 });
  const bob = await s.call('POST', '/api/v1/users', {
    token: adminToken, body: { email: ` ${email('bob')} `, password: 'bob password', name: 'Bob', role: 'user' }, expect: 201,
  });
  await s.call('POST', '/api/v1/users', { token: adminToken, body: { email: email('bob'), password: 'bob password', name: 'Bob' }, expect: 409 });
  const bobId = bob.json?.id;
  await s.call('GET', `/api/v1/users/${bobId}`, { token: adminToken, expect: 200 });
  await s.call('GET', `/api/v1/users/${uuid0}`, { token: adminToken, expect: 404 });
  await s.call('PATCH', `/api/v1/users/${bobId}`, { token: adminToken, body: { name: ' Robert ' }, expect: 200 });
  await s.call('PUT', `/api/v1/users/${bobId}`, { token: adminToken, body: { email: email('alice') }, expect: 409 });
  await s.call('PUT', `/api/v1/users/${bobId}`, { token: adminToken, body: { role: 'admin' }, expect: 200 });
  await s.call('PATCH', `/api/v1/users/${uuid0}`, { token: adminToken, body: { name: 'Nobody' }, expect: 404 });
  await s.call('DELETE', `/api/v1/users/${bobId}`, { token, expect: 403 });
  await s.call('DELETE', `/api/v1/users/${bobId}`, { token: adminToken, expect: 204 });
  await s.call('DELETE', `/api/v1/users/${bobId}`, { token: adminToken, expect: 404 });

  // Projects: create, read with conditional requests, update with If-Match, list.
  const project = await s.call('POST', '/api/v1/projects', { token, body: { name: 'Launch' }, expect: 201 });
  const projectId = project.json?.id;
  if (project.json?.archived !== false) s.problem(`POST /projects: archived is ${project.json?.archived}, not its default false`);
  await s.judge('POST', '/api/v1/projects', { token, body: { name: '' }, valid: false, why: 'required string empty' });
  await s.judge('POST', '/api/v1/projects', { token, body: { name: 'p'.repeat(121) }, valid: false, why: 'over maxLength 120' });
  await s.judge('POST', '/api/v1/projects', { token, body: { name: 'P', colour: 'red' }, valid: false, why: 'unknown field' });
  await s.judge('POST', '/api/v1/projects', { token, body: { name: 'P', description: null }, valid: true, why: 'optional field null' });
  const got = await s.call('GET', `/api/v1/projects/${projectId}`, { token, expect: 200 });
  const etag = got.headers.get('etag');
  await s.call('GET', `/api/v1/projects/${projectId}`, { token, headers: { 'If-None-Match': etag }, expect: 304 });
  await s.call('GET', `/api/v1/projects/${uuid0}`, { token, expect: 404 });
  await s.call('PATCH', `/api/v1/projects/${uuid0}`, { token, body: { name: 'Nobody' }, expect: 404 });
  await s.call('POST', '/api/v1/projects', { token: 'not.a.jwt', body: { name: 'Nobody' }, expect: 401 });
  await s.call('PATCH', `/api/v1/projects/${projectId}`, { token, body: { archived: true }, expect: 200 });
  await s.call('PUT', `/api/v1/projects/${projectId}`, { token, headers: { 'If-Match': etag }, body: { name: 'Stale' }, expect: 412 });
  const fresh = (await s.call('GET', `/api/v1/projects/${projectId}`, { token, expect: 200 })).headers.get('etag');
  const renamed = await s.call('PUT', `/api/v1/projects/${projectId}`, { token, headers: { 'If-Match': fresh }, body: { name: 'Launch 2' }, expect: 200 });
  if (renamed.json?.archived !== true) s.problem(`PUT /projects/{id} {name}: archived became ${renamed.json?.archived} (a partial update reset it)`);
  await s.judge('PATCH', `/api/v1/projects/${projectId}`, { token, body: { name: null }, valid: false, why: 'a required field set to null' });
  await s.judge('PATCH', `/api/v1/projects/${projectId}`, { token, body: { description: null }, valid: true, why: 'an optional field set to null' });
  await s.call('GET', '/api/v1/projects?name[startsWith]=laun&total=false', { token, expect: 200 });
  await s.call('GET', '/api/v1/projects?colour=red', { token, expect: 400 });

  // Tasks: defaults on create, not on update; fields, expand, cursors.
  const ids = [];
  for (let i = 1; i <= 3; i++) {
    const t = await s.call('POST', '/api/v1/tasks', { token, body: { title: `Task ${i}`, project: projectId, priority: i + 2, status: 'in_progress' }, expect: 201 });
    ids.push(t.json?.id);
  }
  const plain = await s.call('POST', '/api/v1/tasks', { token, body: { title: 'Defaults', project: projectId }, expect: 201 });
  if (plain.json?.status !== 'todo' || plain.json?.priority !== 3) s.problem(`POST /tasks: defaults not applied: ${plain.text}`);
  await s.call('POST', '/api/v1/tasks', { token, body: { title: 'Orphan', project: uuid0 }, expect: 400 });
  await s.judge('POST', '/api/v1/tasks', { token, body: { title: 'P', project: projectId, priority: 6 }, valid: false, why: 'priority over max' });
  await s.judge('POST', '/api/v1/tasks', { token, body: { title: 'P', project: projectId, status: 'later' }, valid: false, why: 'not an enum value' });
  await s.judge('POST', '/api/v1/tasks', { token, body: { title: '', project: projectId }, valid: false, why: 'minLength 1' });
  await s.judge('POST', '/api/v1/tasks', { token, body: { title: 'Due', project: projectId, dueAt: '2026-12-24T18:00:00Z' }, valid: true, why: 'a date-time' });

  const patched = await s.call('PATCH', `/api/v1/tasks/${ids[0]}`, { token, body: { title: 'Renamed' }, expect: 200 });
  if (patched.json?.status !== 'in_progress' || patched.json?.priority !== 3) {
    s.problem(`PATCH /tasks/{id} {title}: status ${patched.json?.status}, priority ${patched.json?.priority}: a partial update changed fields it did not name`);
  }
  const put = await s.call('PUT', `/api/v1/tasks/${ids[1]}`, { token, body: { notes: 'Some notes' }, expect: 200 });
  if (put.json?.status !== 'in_progress' || put.json?.priority !== 4) s.problem(`PUT /tasks/{id} {notes}: ${put.text}`);
  await s.call('PUT', `/api/v1/tasks/${uuid0}`, { token, body: { notes: 'x' }, expect: 404 });
  const taskTag = (await s.call('GET', `/api/v1/tasks/${ids[2]}`, { token, expect: 200 })).headers.get('etag');
  await s.call('GET', `/api/v1/tasks/${ids[2]}`, { token, headers: { 'If-None-Match': taskTag }, expect: 304 });
  await s.call('GET', `/api/v1/tasks/${ids[2]}`, { token: adminToken, expect: 200 });

  const partial = await s.call('GET', '/api/v1/tasks?fields=title,status&sort=-priority', { token, expect: 200 });
  const row = partial.json?.data?.[0] || {};
  if (Object.keys(row).sort().join() !== 'id,status,title') s.problem(`fields=title,status: row keys ${Object.keys(row)}`);
  const expanded = await s.call('GET', '/api/v1/tasks?expand=project&status=in_progress', { token, expect: 200 });
  if (expanded.json?.data?.[0]?.project?.id !== projectId) s.problem(`expand=project: ${expanded.text.slice(0, 200)}`);
  let cursorPath = '/api/v1/tasks?limit=2&sort=title';
  const walked = [];
  for (let page = 0; page < 10 && cursorPath; page++) {
    const res = await s.call('GET', cursorPath, { token, expect: 200 });
    walked.push(...(res.json?.data || []).map((t) => t.id));
    const next = res.json?.meta?.nextCursor;
    cursorPath = next ? `/api/v1/tasks?limit=2&sort=title&cursor=${encodeURIComponent(next)}` : undefined;
  }
  if (walked.length !== new Set(walked).size || walked.length < 5) s.problem(`cursor paging walked ${walked.length} rows: ${walked}`);
  await s.call('GET', '/api/v1/tasks?priority[gt]=high', { token, expect: 400 });
  await s.call('GET', '/api/v1/tasks?page=1&cursor=abc', { token, expect: 400 });

  await s.call('DELETE', `/api/v1/tasks/${ids[0]}`, { token, headers: { 'If-Match': '"stale"' }, expect: 412 });
  await s.call('DELETE', `/api/v1/tasks/${ids[0]}`, { token, expect: 204 });
  await s.call('PATCH', `/api/v1/tasks/${ids[0]}`, { token, body: { title: 'Gone' }, expect: 404 });
  await s.call('DELETE', `/api/v1/tasks/${ids[0]}`, { token, expect: 404 });
  await s.call('DELETE', `/api/v1/projects/${projectId}`, { token, headers: { 'If-Match': '"stale"' }, expect: 412 });
  await s.call('DELETE', `/api/v1/projects/${projectId}`, { token, expect: 204 });
  await s.call('GET', `/api/v1/tasks/${ids[1]}`, { token, expect: 404 });  // cascaded

  // The event log (admins): pages follow since.
  const events = await s.call('GET', '/api/v1/events?since=0&limit=5', { token: adminToken, expect: 200 });
  const next = events.json?.meta?.nextSince;
  await s.call('GET', `/api/v1/events?since=${next}&limit=1000`, { token: adminToken, expect: 200 });
  await s.call('GET', '/api/v1/events', { token, expect: 403 });

  // GraphQL (API.md §13): a query and a mutation, the HTTP request's own errors, GET's 405.
  await s.call('POST', '/api/v1/graphql', { token, body: { query: '{ tasks(first: 2) { nodes { id project { name } } totalCount } }' }, expect: 200 });
  await s.call('POST', '/api/v1/graphql', { token, body: { query: 'mutation { createProject(input: {name: "Via GraphQL"}) { id } }' }, expect: 200 });
  await s.call('POST', '/api/v1/graphql', { body: { query: '{ me { id } }', variables: null }, expect: 200 });
  await s.judge('POST', '/api/v1/graphql', { body: { variables: {} }, valid: false, why: 'no query' });
  await s.call('POST', '/api/v1/graphql', { token: 'not.a.jwt', body: { query: '{ me { id } }' }, expect: 401 });
  await s.call('GET', `/api/v1/graphql?query=${encodeURIComponent('{ me { email } }')}`, { token, expect: 200 });
  await s.call('GET', `/api/v1/graphql?query=${encodeURIComponent('mutation { deleteTask(id: "x") }')}`, { token, expect: 405 });

  // Signing out.
  await s.call('POST', '/api/v1/auth/logout', { token, body: { refreshToken: refreshed.json.refreshToken }, expect: 204 });
  await s.call('POST', '/api/v1/auth/logout', { token: 'not.a.jwt', body: { refreshToken: refreshed.json.refreshToken }, expect: 401 });
}

// Issue 13's findings 1-4, put back into a copy of the document: each must make the session fail.
const mutations = {
  'finding 1: the 431 code is REQUEST_HEADER_FIELDS_TOO_LARGE, no operation lists 431': (doc) => {
    const codes = doc.components.schemas.Error.properties.error.properties.code.enum;
    codes[codes.indexOf('HEADERS_TOO_LARGE')] = 'REQUEST_HEADER_FIELDS_TOO_LARGE';
    for (const { op } of operations(doc)) delete op.responses['431'];
  },
  'finding 2: list rows require every property': (doc) => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      if (name.endsWith('.listItem')) schema.required = doc.components.schemas[name.slice(0, -'.listItem'.length)].required;
    }
  },
  'finding 3: update schemas carry the create defaults': (doc) => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      if (name.endsWith('.update')) schema.properties = doc.components.schemas[`${name.slice(0, -'.update'.length)}.create`].properties;
    }
  },
  'finding 4a: required strings may be empty': (doc) => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      if (!name.endsWith('.create') && !name.endsWith('.update')) continue;
      for (const prop of Object.values(schema.properties || {})) if (prop.minLength === 1) delete prop.minLength;
    }
    doc.components.schemas.NameInput = { type: 'string', maxLength: 100 };
  },
  'finding 4b: passwords are 8-72 characters': (doc) => {
    for (const name of ['RegisterRequest', 'UserCreate']) {
      Object.assign(doc.components.schemas[name].properties.password, { minLength: 8, maxLength: 72 });
    }
  },
  'finding 4c: request e-mails are format: email': (doc) => {
    doc.components.schemas.EmailInput = { type: 'string', format: 'email', maxLength: 254 };
  },
};

async function withProxy(doc, server, body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-prism-'));
  const specFile = path.join(dir, 'openapi.json');
  fs.writeFileSync(specFile, JSON.stringify(doc));
  const prism = await startPrism(specFile, server.url);
  try {
    return await body(prism);
  } finally {
    await prism.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test(mode === '--mutations' ? 'the proxy session fails on each of findings 1-4 put back'
  : 'every response keel sends passes the validating proxy', async (t) => {
  const server = await startKeel(keel, resourcesFile, { MAIL_THROTTLE: '0' });
  t.after(() => server.stop());
  const doc = await (await fetch(`${server.url}/api/v1/openapi.json`)).json();

  if (mode !== '--mutations') {
    const problems = await withProxy(doc, server, (prism) => scenario(doc, prism.url, server.url, 'main', server.dir));
    assert.deepEqual(problems, [], `the document and keel disagree:\n${problems.join('\n')}`);
    return;
  }
  let n = 0;
  for (const [name, mutate] of Object.entries(mutations)) {
    await t.test(name, async () => {
      const bad = structuredClone(doc);
      mutate(bad);
      const problems = await withProxy(bad, server, (prism) => scenario(bad, prism.url, server.url, `m${++n}`, server.dir));
      assert.ok(problems.length > 0, `${name}: the session found nothing wrong`);
      console.log(`# ${name}: ${problems.length} problem(s), first: ${problems[0].slice(0, 300)}`);
    });
  }
});
