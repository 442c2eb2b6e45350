'use strict';
// GET /docs in a real browser: Debian's headless Chromium, driven by playwright-core, opens the
// page on a running keel with no way out to the internet, and Swagger UI lists the auth, users
// and resource operations of the document, without one Content-Security-Policy violation.
// Usage: node docs_page.test.js <keel> <resources.yaml> <screenshot.png> [<test-resources.yaml>]
// (the test resources file: its resources' operations appear on the page too, no other change).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { webRequire, startKeel, declaredResources, watchedPage } = require('./keel.js');

const { chromium } = webRequire('playwright-core');

const [keel, resourcesFile, screenshot, testResourcesFile] = process.argv.slice(2);
if (!keel || !resourcesFile || !screenshot) {
  console.error('usage: node docs_page.test.js <keel> <resources.yaml> <screenshot.png> [<test-resources.yaml>]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// The directives the page must be served with (any order, any others besides).
const requiredPolicy = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
];

let browser;
test.before(async () => {
  // --no-sandbox: Chromium's sandbox refuses to start as root, which is how `make test` runs here.
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
});
test.after(async () => { await browser?.close(); });

/** Opens /docs on `server`, returns { page, operations: ["GET /api/v1/users", ...], problems }. */
async function openDocs(server) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, problems } = await watchedPage(context, server.url);

  const response = await page.goto(`${server.url}/docs`, { waitUntil: 'load' });
  assert.equal(response.status(), 200, 'GET /docs');
  const policy = response.headers()['content-security-policy'] || '';
  for (const directive of requiredPolicy) {
    assert.ok(policy.split(';').map((d) => d.trim()).includes(directive), `CSP has "${directive}": ${policy}`);
  }
  assert.doesNotMatch(policy, /unsafe-(inline|eval)/, 'the CSP allows no inline script or eval');

  await page.waitForSelector('.opblock .opblock-summary-path', { timeout: 20000 });
  const operations = await page.$$eval('.opblock', (blocks) => blocks.map((b) => {
    const method = b.querySelector('.opblock-summary-method')?.textContent.trim();
    const p = b.querySelector('.opblock-summary-path')?.getAttribute('data-path')
      || b.querySelector('.opblock-summary-path')?.textContent.trim();
    return `${method} ${p}`;
  }));
  problems.csp.push(...await page.evaluate(() => window.__cspViolations.splice(0)));
  return { page, context, operations, problems };
}

function assertClean(problems) {
  assert.deepEqual(problems.csp, [], 'no Content-Security-Policy violation');
  assert.deepEqual(problems.outside, [], 'no request leaves the server');
  assert.deepEqual(problems.errors, [], 'no script error');
}

test('the page lists the auth, users and tasks operations', async (t) => {
  const server = await startKeel(keel, resourcesFile);
  t.after(() => server.stop());
  const { page, context, operations, problems } = await openDocs(server);
  t.after(() => context.close());

  for (const op of ['POST /api/v1/auth/login', 'POST /api/v1/auth/register', 'GET /api/v1/auth/me',
    'GET /api/v1/users', 'GET /api/v1/tasks', 'POST /api/v1/tasks']) {
    assert.ok(operations.includes(op), `the page lists ${op} (it lists: ${operations.join(', ')})`);
  }
  assert.ok(operations.some((op) => /^GET \/api\/v1\/tasks\/\{[^}]+\}$/.test(op)), 'GET /api/v1/tasks/{id}');
  assert.ok(await page.isVisible('text=keel'), 'the document title is shown');

  // Opening an operation renders its parameters, responses and example bodies: under the CSP too.
  const tasks = page.locator('.opblock-get').filter({ has: page.locator('.opblock-summary-path[data-path="/api/v1/tasks"]') });
  await tasks.locator('.opblock-summary-control').click();
  await tasks.locator('.responses-table').first().waitFor({ timeout: 10000 });
  problems.csp.push(...await page.evaluate(() => window.__cspViolations.splice(0)));

  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  assertClean(problems);
});

test('a test resources file\'s operations appear on the page, with no other change', { skip: !testResourcesFile }, async (t) => {
  const server = await startKeel(keel, testResourcesFile);
  t.after(() => server.stop());
  const { context, operations, problems } = await openDocs(server);
  t.after(() => context.close());

  for (const name of Object.keys(declaredResources(testResourcesFile))) {
    assert.ok(operations.includes(`GET /api/v1/${name}`), `the page lists GET /api/v1/${name}`);
    assert.ok(operations.includes(`POST /api/v1/${name}`), `the page lists POST /api/v1/${name}`);
  }
  for (const name of Object.keys(declaredResources(resourcesFile))) {
    assert.ok(!operations.includes(`GET /api/v1/${name}`), `the page does not list GET /api/v1/${name}`);
  }
  assert.ok(operations.includes('POST /api/v1/auth/login'), 'auth is still there');
  assertClean(problems);
});
