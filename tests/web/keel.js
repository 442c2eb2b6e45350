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
 * /healthz. `extraEnv` adds settings to the test ones, or replaces them (a value of undefined
 * unsets one). Returns { url, dir, stop(), log() } (dir: its data folder, where mail is written as
 * .eml files without SMTP_URL): log() is everything keel wrote to stdout and
 * stderr so far, all of it once stop() has resolved.
 */
async function startKeel(keel, resourcesFile, extraEnv = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-web-'));
  const env = {
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
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(keel, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  // 'close', not 'exit': it comes once stdout and stderr are drained too, so log() is whole.
  const exited = new Promise((resolve) => child.on('close', resolve));

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
        if (res.ok) return { url: m[1], dir, stop, log: () => output };
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

// ---------------------------------------------------------------------------------------------
// Mail as keel sends it (mail_message.cpp: multipart/alternative, base64 UTF-8 parts), read from
// the test SMTP server's Maildir or from the .eml files keel writes without SMTP_URL.

/** A message file's header block and body, its lines unfolded and line ends normalised. */
function splitMessage(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\n[ \t]+/g, ' ');
  return { head, body: end < 0 ? '' : text.slice(end + 2) };
}

/** The first header `name` of a header block, RFC 2047 UTF-8 words decoded; '' when absent. */
function header(head, name) {
  const m = head.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'im'));
  if (!m) return '';
  return m[1]
    .replace(/(\?=)\s+(=\?)/g, '$1$2')  // the space between two encoded words is not text
    .replace(/=\?utf-8\?b\?([^?]*)\?=/gi, (_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

/** A MIME part's content, decoded to text (keel sends base64; anything else is taken as it is). */
function decodePart(head, content) {
  if (/^base64$/i.test(header(head, 'Content-Transfer-Encoding').trim())) {
    return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return content;
}

/** One message file: { file, to (envelope and To: header), subject, text, html }. */
function readMessage(file) {
  const { head, body } = splitMessage(fs.readFileSync(file, 'utf8'));
  const message = {
    file,
    to: `${header(head, 'X-RcptTo')} ${header(head, 'To')}`.toLowerCase(),
    subject: header(head, 'Subject'),
    text: '',
    html: '',
  };
  const boundary = header(head, 'Content-Type').match(/boundary="?([^";]+)"?/i)?.[1];
  if (!boundary) {
    message.text = decodePart(head, body);
    return message;
  }
  // The parts sit between "--boundary" lines; the last one is followed by "--boundary--".
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = splitMessage(chunk.replace(/^\n/, ''));
    const type = header(part.head, 'Content-Type').toLowerCase();
    if (type.startsWith('text/plain')) message.text = decodePart(part.head, part.body);
    else if (type.startsWith('text/html')) message.html = decodePart(part.head, part.body);
  }
  return message;
}

/**
 * The token of the newest mail to `to` in `folder` (a data folder's mail/, or a Maildir's new/)
 * whose text links to `/<page>?token=`, once at least `atLeast` such mails are there (the newest
 * link is the one that works: wait for the mail you caused, not an earlier one), waiting up to
 * `timeoutMs`.
 */
async function mailedToken(folder, to, page, { atLeast = 1, timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = fs.existsSync(folder) ? fs.readdirSync(folder).filter((n) => !n.startsWith('.')).sort() : [];
    const tokens = [];  // oldest first: the names start with the time
    for (const name of names) {
      const message = readMessage(path.join(folder, name));
      const m = message.to.includes(to.toLowerCase()) && message.text.match(new RegExp(`/${page}\\?token=([A-Za-z0-9_-]+)`));
      if (m) tokens.push(m[1]);
    }
    if (tokens.length >= atLeast) return tokens[tokens.length - 1];
    if (Date.now() > deadline) throw new Error(`not ${atLeast} mail(s) linking to /${page} for ${to} in ${folder} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// Pages in headless Chromium (playwright-core).

/**
 * A new page in the browser `context` that can reach nothing but `origin` (and data: URLs), with
 * every Content-Security-Policy violation, script error and blocked request recorded. Returns
 * { page, problems: { csp, errors, outside } }; window.__cspViolations lists the violations the
 * page itself saw. `expected4xx`: Chromium logs each fetch() answered 4xx on the console, which
 * is not an error for a page that expects some.
 */
async function watchedPage(context, origin, { expected4xx = false } = {}) {
  const problems = { csp: [], errors: [], outside: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
    problems.outside.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  // Playwright's init scripts run outside the page's CSP: this records every violation.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page.on('console', (msg) => {
    if (/Content.Security.Policy|Refused to/i.test(msg.text())) problems.csp.push(msg.text());
    else if (msg.type() === 'error'
      && !(expected4xx && /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text()))) {
      problems.errors.push(msg.text());
    }
  });
  page.on('pageerror', (err) => problems.errors.push(String(err)));
  return { page, problems };
}

module.exports = {
  repo, webRequire, admin, startKeel, declaredResources, deref, operations, readMessage, mailedToken, watchedPage,
};
