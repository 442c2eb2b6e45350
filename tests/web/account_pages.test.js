'use strict';
// The account pages (API.md §11) end to end: a real keel sends its mail to a real SMTP server, the
// test takes the links out of the messages and opens them in Debian's headless Chromium (driven by
// playwright-core), and /verify-email and /reset-password do what the mail says, under their strict
// Content-Security-Policy, talking to no one but keel, leaving no token in the address bar, in a
// Referer or in keel's log.
// Usage: node account_pages.test.js <keel> <resources.yaml>
// Needs KEEL_TEST_SMTP_URL and KEEL_TEST_SMTP_DIR, which scripts/with-smtp.sh sets (`make test` runs
// ctest under it). Without them it fails: it never skips.
//
// The tests share one keel and one account, and run in order: each starts from where the one
// before left the account (registered, then verified, then with a new password).
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { webRequire, startKeel, readMessage, watchedPage } = require('./keel.js');

const { chromium } = webRequire('playwright-core');

const [keel, resourcesFile] = process.argv.slice(2);
if (!keel || !resourcesFile) {
  console.error('usage: node account_pages.test.js <keel> <resources.yaml>');
  process.exit(2);
}
const smtpUrl = process.env.KEEL_TEST_SMTP_URL;
const smtpDir = process.env.KEEL_TEST_SMTP_DIR;
if (!smtpUrl || !smtpDir) {
  console.error('account_pages.test.js: KEEL_TEST_SMTP_URL and KEEL_TEST_SMTP_DIR are not set. '
    + 'Run it under scripts/with-smtp.sh (make test does), e.g. scripts/with-smtp.sh ctest -R web.account_pages');
  process.exit(1);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// The directives the pages must be served with (any order).
const requiredPolicy = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
];

const kMailWaitMs = 15000;
const kPageWaitMs = 10000;

// One account, unique to this run: the Maildir is shared with the other mail tests and other runs.
const user = {
  email: `web-${crypto.randomBytes(6).toString('hex')}@example.com`,
  name: 'Web Pages',
  password: 'old password 1',
  newPassword: 'new password 2',
};
// What the tests learn on the way; checked against keel's log at the end.
const state = { accessToken: null, refreshToken: null, verifyLink: null, resetLink: null };

let browser;
let server;
test.before(async () => {
  // --no-sandbox: Chromium's sandbox refuses to start as root, which is how `make test` runs here.
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  // PUBLIC_URL is left unset, so keel derives it from its bound address: the links in the mail
  // point at this very keel. MAIL_RETRY_MAX keeps a failed first send from waiting minutes.
  server = await startKeel(keel, resourcesFile, {
    SMTP_URL: smtpUrl,
    LOG_LEVEL: 'debug',
    MAIL_RETRY_MAX: '1',
    PUBLIC_URL: undefined,
  });
});
test.after(async () => {
  await browser?.close();
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------
// The API, from Node.

/** A JSON request to keel: resolves to { status, headers, body (parsed JSON or null) }. */
async function api(method, urlPath, { body, bearer } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const res = await fetch(`${server.url}${urlPath}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: the assertion shows the status */ }
  return { status: res.status, headers: res.headers, body: json };
}

// ---------------------------------------------------------------------------------------------
// The mail, from the SMTP server's Maildir (aiosmtpd's Mailbox handler: new/ holds one file per
// message, as received, plus X-MailFrom / X-RcptTo headers with the envelope).

// The messages waitForMail has returned: each is returned once.
const taken = new Set();

/**
 * Waits for the message to `to` with `subject` (the first one not returned before), up to
 * kMailWaitMs. Fails naming what did arrive for `to`.
 */
async function waitForMail(to, subject) {
  const dir = path.join(smtpDir, 'new');
  const deadline = Date.now() + kMailWaitMs;
  for (;;) {
    const mine = [];
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
      const file = path.join(dir, name);
      if (taken.has(file)) continue;
      const message = readMessage(file);
      if (message.to.includes(to.toLowerCase())) mine.push(message);
    }
    const found = mine.find((m) => m.subject === subject);
    if (found) {
      taken.add(found.file);
      return found;
    }
    if (Date.now() > deadline) {
      assert.fail(`no mail "${subject}" to ${to} in ${dir} within ${kMailWaitMs / 1000} s `
        + `(for ${to}: ${mine.map((m) => `"${m.subject}"`).join(', ') || 'nothing'})\nkeel's log:\n${server.log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The link to `page` in a message: in the text part, pointing at this keel, with a token of at
 * least 256 bits (43 base64url characters); the HTML part holds the same link.
 */
function linkIn(message, page) {
  const m = message.text.match(new RegExp(`https?://[^\\s<>"]+/${page}\\?token=([A-Za-z0-9_-]+)`));
  assert.ok(m, `the text part has a /${page} link:\n${message.text}`);
  const [link, token] = m;
  assert.ok(link.startsWith(`${server.url}/${page}?token=`), `the link points at this keel (${server.url}): ${link}`);
  assert.ok(token.length >= 43, `the token has at least 256 bits: ${token.length} characters`);
  assert.ok(message.html.includes(token), 'the HTML part has the link too');
  return { link, token };
}

// ---------------------------------------------------------------------------------------------
// The pages, in Chromium.

/**
 * Opens `url` in a fresh browser context that lets no request leave keel and records every CSP
 * violation, script error and request. Returns { page, context, response, problems, requests }.
 * Call it with `watch`, a predicate on requests, to also get `posted`: the promise of the first
 * response to one, set up before the page loads (the verify page posts as soon as it runs).
 */
async function openPage(url, watch) {
  const context = await browser.newContext();
  const requests = [];
  context.on('request', (request) => requests.push(request));
  const { page, problems } = await watchedPage(context, server.url, { expected4xx: true });

  const posted = watch ? page.waitForResponse((res) => watch(res.request()), { timeout: kPageWaitMs }) : null;
  posted?.catch(() => {});  // awaited (or deliberately not) by the caller
  const response = await page.goto(url, { waitUntil: 'load' });
  return { page, context, response, problems, requests, posted };
}

const postTo = (apiPath) => (request) => request.method() === 'POST' && new URL(request.url()).pathname === apiPath;

/** The headers every account page is served with. */
async function assertPageHeaders(response) {
  assert.equal(response.status(), 200, `GET ${response.url()}`);
  const headers = await response.allHeaders();
  assert.match(headers['content-type'] || '', /^text\/html; charset=utf-8$/i, 'Content-Type');
  const policy = headers['content-security-policy'] || '';
  for (const directive of requiredPolicy) {
    assert.ok(policy.split(';').map((d) => d.trim()).includes(directive), `CSP has "${directive}": ${policy}`);
  }
  assert.doesNotMatch(policy, /unsafe-(inline|eval|hashes)/, 'the CSP allows no inline script or eval');
  assert.equal(headers['referrer-policy'], 'no-referrer', 'Referrer-Policy (the token is in the URL)');
  assert.match(headers['cache-control'] || '', /\bno-store\b/, 'Cache-Control: no-store');
}

/**
 * Waits until the page's outcome is `kind` ('ok' or 'error') with a text matching `pattern` (a
 * RegExp, or a string it includes), and returns the text; fails showing what the page shows instead.
 */
async function expectOutcome(page, kind, pattern) {
  const outcome = page.locator('#outcome');
  const matches = (text) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
  const deadline = Date.now() + kPageWaitMs;
  for (;;) {
    const shown = { kind: await outcome.getAttribute('class'), text: await outcome.innerText() };
    if (shown.kind === kind && matches(shown.text)) return shown.text;
    if (Date.now() > deadline) {
      assert.fail(`the page shows ${kind} ${pattern}: it shows ${shown.kind || 'nothing'}: "${shown.text}"`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What every page visit must leave behind: no CSP violation, no script error, no request outside
 * keel, the token out of the address bar, and the token in no later request's URL or Referer.
 */
async function assertClean({ page, problems, requests }, token) {
  problems.csp.push(...await page.evaluate(() => window.__cspViolations.splice(0)));
  assert.deepEqual(problems.csp, [], 'no Content-Security-Policy violation');
  assert.deepEqual(problems.outside, [], 'no request leaves keel');
  assert.deepEqual(problems.errors, [], 'no script error');
  if (!token) return;
  const address = await page.evaluate(() => window.location.href);
  assert.ok(!address.includes(token) && !address.includes('token='), `the token is gone from the address bar: ${address}`);
  assert.ok(!page.url().includes(token), `Playwright's page.url() agrees: ${page.url()}`);
  // The first request is the navigation to the link itself; none after it may carry the token.
  for (const request of requests.slice(1)) {
    assert.ok(!request.url().includes(token), `no token in ${request.url()}`);
    const referer = (await request.allHeaders()).referer || '';
    assert.ok(!referer.includes(token), `no token in the Referer of ${request.url()}: ${referer}`);
  }
}

/** Asserts a Playwright response's status, showing its body only when it is wrong (a 204 has none to read). */
async function assertStatus(response, status, what) {
  if (response.status() !== status) {
    const body = await response.text().catch(() => '(no body)');
    assert.fail(`${what}: ${response.status()}, expected ${status}: ${body}`);
  }
}

/** Fills both password fields (found by their labels, as a user finds them) and submits. */
async function submitPasswords(page, password, repeat) {
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Repeat the new password', { exact: true }).fill(repeat);
  await page.getByRole('button', { name: 'Change password' }).click();
}

// ---------------------------------------------------------------------------------------------

test('registration mails a verification link, and the page it opens verifies the address', async () => {
  const registered = await api('POST', '/api/auth/register',
    { body: { email: user.email, password: user.password, name: user.name } });
  assert.equal(registered.status, 201, `register: ${JSON.stringify(registered.body)}`);
  assert.equal(registered.body.user.emailVerified, false, 'a new account is not verified');
  state.accessToken = registered.body.accessToken;
  state.refreshToken = registered.body.refreshToken;

  const mail = await waitForMail(user.email, 'Verify your email address');
  state.verifyLink = linkIn(mail, 'verify-email');

  const visit = await openPage(state.verifyLink.link, postTo('/api/auth/verify-email'));
  try {
    await assertPageHeaders(visit.response);
    const answer = await visit.posted;
    await assertStatus(answer, 200, 'the page\'s POST /api/auth/verify-email');
    assert.deepEqual(answer.request().postDataJSON(), { token: state.verifyLink.token }, 'it posts the token, as JSON');
    await expectOutcome(visit.page, 'ok', 'Your email address is verified');
    assert.equal(await visit.page.locator('#outcome').getAttribute('aria-live'), 'polite', 'the outcome is announced');
    await assertClean(visit, state.verifyLink.token);
  } finally {
    await visit.context.close();
  }

  const me = await api('GET', '/api/auth/me', { bearer: state.accessToken });
  assert.equal(me.status, 200, `me: ${JSON.stringify(me.body)}`);
  assert.equal(me.body.emailVerified, true, 'the account is verified now');
});

test('a used verification link shows the API\'s token error', async () => {
  assert.ok(state.verifyLink, 'needs the verification link of the test before');
  const visit = await openPage(state.verifyLink.link, postTo('/api/auth/verify-email'));
  try {
    const answer = await visit.posted;
    await assertStatus(answer, 400, 'a verification token is single use');
    const tokenError = (await answer.json()).error?.details?.token;
    assert.ok(tokenError, 'the 400 names the token in details');
    await expectOutcome(visit.page, 'error', tokenError);
    await assertClean(visit, state.verifyLink.token);
  } finally {
    await visit.context.close();
  }
});

test('without a token, the pages say so and call nothing', async () => {
  for (const pagePath of ['/verify-email', '/reset-password']) {
    const visit = await openPage(`${server.url}${pagePath}`);
    try {
      await assertPageHeaders(visit.response);
      await expectOutcome(visit.page, 'error', 'This link has no token');
      assert.ok(!await visit.page.locator('form').isVisible(), `${pagePath}: no form to fill in`);
      assert.deepEqual(visit.requests.filter((r) => r.method() !== 'GET').map((r) => r.url()), [], `${pagePath} sends nothing`);
      await assertClean(visit);
    } finally {
      await visit.context.close();
    }
  }
});

test('forgot-password mails a reset link; the page checks the fields, then changes the password', async () => {
  assert.ok(state.refreshToken, 'needs the account of the first test');
  const forgot = await api('POST', '/api/auth/forgot-password', { body: { email: user.email } });
  assert.equal(forgot.status, 202, `forgot-password: ${JSON.stringify(forgot.body)}`);

  const mail = await waitForMail(user.email, 'Reset your password');
  state.resetLink = linkIn(mail, 'reset-password');

  const visit = await openPage(state.resetLink.link);
  const { page } = visit;
  const resets = () => visit.requests.filter(postTo('/api/auth/reset-password'));
  try {
    await assertPageHeaders(visit.response);
    for (const label of ['New password', 'Repeat the new password']) {
      const field = page.getByLabel(label, { exact: true });
      assert.equal(await field.getAttribute('autocomplete'), 'new-password', `${label}: autocomplete`);
      assert.equal(await field.getAttribute('type'), 'password', `${label}: type`);
    }

    // Checked in the page, before anything is sent: the repeat must match...
    await submitPasswords(page, user.newPassword, `${user.newPassword}x`);
    await expectOutcome(page, 'error', 'The two passwords differ');
    assert.equal(await page.getByLabel('Repeat the new password', { exact: true }).getAttribute('aria-invalid'), 'true');
    // ... and the password be 8 to 72 bytes of UTF-8: 37 "é" are 37 characters but 74 bytes.
    await submitPasswords(page, 'é'.repeat(37), 'é'.repeat(37));
    await expectOutcome(page, 'error', 'too long: 74 bytes');
    assert.deepEqual(resets(), [], 'nothing is sent while the fields are wrong');

    const posted = page.waitForResponse((res) => postTo('/api/auth/reset-password')(res.request()), { timeout: kPageWaitMs });
    await submitPasswords(page, user.newPassword, user.newPassword);
    const answer = await posted;
    await assertStatus(answer, 204, 'the page\'s POST /api/auth/reset-password');
    assert.deepEqual(answer.request().postDataJSON(), { token: state.resetLink.token, password: user.newPassword },
      'it posts the token and the password, as JSON');
    await expectOutcome(page, 'ok', 'Your password is changed. Sign in with your new password.');
    assert.ok(!await page.locator('#reset-form').isVisible(), 'the form is gone');
    assert.equal(resets().length, 1, 'one request');
    await assertClean(visit, state.resetLink.token);
  } finally {
    await visit.context.close();
  }

  const login = await api('POST', '/api/auth/login', { body: { email: user.email, password: user.newPassword } });
  assert.equal(login.status, 200, `login with the new password: ${JSON.stringify(login.body)}`);
  const oldLogin = await api('POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
  assert.equal(oldLogin.status, 401, 'the old password is refused');
  // A reset revokes every session the account had.
  const refresh = await api('POST', '/api/auth/refresh', { body: { refreshToken: state.refreshToken } });
  assert.equal(refresh.status, 401, 'the old refresh token is refused');
  const me = await api('GET', '/api/auth/me', { bearer: state.accessToken });
  assert.equal(me.status, 401, 'the old access token is refused');
});

test('a used reset link shows the API\'s token error', async () => {
  assert.ok(state.resetLink, 'needs the reset link of the test before');
  const visit = await openPage(state.resetLink.link);
  const { page } = visit;
  try {
    const posted = page.waitForResponse((res) => postTo('/api/auth/reset-password')(res.request()), { timeout: kPageWaitMs });
    await submitPasswords(page, 'another password 3', 'another password 3');
    const answer = await posted;
    await assertStatus(answer, 400, 'a reset token is single use');
    const tokenError = (await answer.json()).error?.details?.token;
    assert.ok(tokenError, 'the 400 names the token in details');
    await expectOutcome(page, 'error', tokenError);
    assert.ok(!await page.locator('#reset-form').isVisible(), 'the form is gone: this link can\'t work again');
    await assertClean(visit, state.resetLink.token);
  } finally {
    await visit.context.close();
  }
  const login = await api('POST', '/api/auth/login', { body: { email: user.email, password: 'another password 3' } });
  assert.equal(login.status, 401, 'the password did not change');
});

test('keel\'s log (LOG_LEVEL=debug) holds neither token nor password', async () => {
  assert.ok(state.verifyLink && state.resetLink, 'needs both links of the tests before');
  await server.stop();  // all of the log, shutdown included
  const log = server.log();
  assert.ok(log.length > 0, 'keel wrote a log');
  for (const [what, secret] of [['verification token', state.verifyLink.token], ['reset token', state.resetLink.token],
    ['old password', user.password], ['new password', user.newPassword]]) {
    assert.ok(!log.includes(secret), `the log holds no ${what}`);
  }
});
