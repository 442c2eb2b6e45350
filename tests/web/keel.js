'use strict';
// What the tests under tests/web/ share: the npm packages of web/, a real keel process per test
// (temp folder, free port, test settings, an admin), a tiny reader for resources files, and
// helpers for the OpenAPI document.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');

const repo = path.resolve(__dirname, '..', '..');
/** require() for the packages web/package-lock.json pins (scripts/deps.sh runs npm ci there). */
const webRequire = createRequire(path.join(repo, 'web', 'package.json'));

const admin = { email: 'admin@example.com', password: 'admin password 1' };

/**
 * Starts `keel serve` on a free port with a fresh SQLite database, resolving once it answers
 * /healthz. Returns { url, stop(), log() }.
 */
async function startKeel(keel, resourcesFile) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-web-'));
  const child = spawn(keel, ['serve'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      APP_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite://${dir}/keel.db`,
      RESOURCES_FILE: resourcesFile,
      JWT_SECRET: 'web-tests-secret-0123456789abcdefghijklmn',
      BCRYPT_COST: '10',
      RATE_LIMIT_AUTH: '0',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      // `make test-asan` runs keel under sanitizers configured by these.
      ...Object.fromEntries(['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']
        .filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    const m = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (m) {
      try {
        const res = await fetch(`${m[1]}/healthz`);
        if (res.ok) return { url: m[1], stop, log: () => output };
      } catch { /* not answering yet */ }
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = child.exitCode !== null ? `exited with ${child.exitCode}` : 'no answer in 15 s';
      await stop();
      throw new Error(`keel did not start (${why}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The resources a resources file declares and their field names, read from its layout (two
 * spaces per level, as every resources file in this repository is written): enough for the
 * tests, without a YAML package.
 */
function declaredResources(file) {
  const resources = {};
  let inResources = false;
  let current = null;
  let inFields = false;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (!line.trim()) continue;
    let m;
    if (/^\S/.test(line)) {
      inResources = /^resources:\s*$/.test(line);
      current = null;
    } else if (inResources && (m = line.match(/^ {2}([A-Za-z_][A-Za-z0-9_]*):\s*$/))) {
      current = m[1];
      resources[current] = [];
      inFields = false;
    } else if (current && (m = line.match(/^ {4}fields:\s*\{(.*)\}\s*$/))) {
      resources[current].push(...flowKeys(m[1]));  // fields: { title: { type: string } }
      inFields = false;
    } else if (current && (m = line.match(/^ {4}(\w+):/))) {
      inFields = m[1] === 'fields';
    } else if (current && inFields && (m = line.match(/^ {6}([A-Za-z_][A-Za-z0-9_]*):/))) {
      resources[current].push(m[1]);
    }
  }
  return resources;
}

// The keys of a YAML flow mapping's body ("a: { ... }, b: 1"), at its top level only.
function flowKeys(body) {
  const keys = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if ((c === ',' || i === body.length) && depth === 0) {
      const m = body.slice(start, i).match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/);
      if (m) keys.push(m[1]);
      start = i + 1;
    }
  }
  return keys;
}

/** Follows a local $ref ("#/components/schemas/Task") through the document, repeatedly. */
function deref(doc, node) {
  const seen = new Set();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) throw new Error(`$ref cycle at ${node.$ref}`);
    seen.add(node.$ref);
    if (!node.$ref.startsWith('#/')) throw new Error(`non-local $ref ${node.$ref}`);
    node = node.$ref.slice(2).split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((at, key) => (at === undefined ? undefined : at[key]), doc);
    if (node === undefined) throw new Error(`unresolved $ref ${[...seen].pop()}`);
  }
  return node;
}

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document: [{ path, method, op }]. */
function operations(doc) {
  const out = [];
  for (const [p, item] of Object.entries(doc.paths || {})) {
    for (const method of httpMethods) {
      if (item[method]) out.push({ path: p, method, op: item[method], item });
    }
  }
  return out;
}

module.exports = { repo, webRequire, admin, startKeel, declaredResources, deref, operations };
