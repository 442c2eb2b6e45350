#include "auth/account_pages.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace keel::auth {
namespace {

// The pages load only their own script and style from this server and talk only to it; nothing
// runs inline (no inline scripts, styles or event handlers, no eval), and no form submits natively:
// the script sends the JSON itself. tests/web/account_pages.test.js fails on any violation.
// Referrer-Policy: no-referrer, which keeps the token in the URL out of Referer headers, is on every
// response already (http::kFixedHeaders); the pages repeat it in a <meta> so it holds even if that
// changes.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The pages are opened from a link holding a token: no copy of them is kept anywhere.
constexpr std::string_view kNoStore = "no-store";
// The script and style change with keel, and cost nothing to check again.
constexpr std::string_view kRevalidate = "no-cache";

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kJavaScript = "text/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";

// What the pages do, all of it. The token is read from the query string by the script, never by
// the server: the pages are the same bytes for every link and echo nothing of the request.
constexpr std::string_view kScript = R"js('use strict';
// The script of keel's account pages, /verify-email and /reset-password (src/auth/account_pages.cpp).
// Their policy allows no inline script, so everything they do is here. No framework, no build step.
(() => {
  const outcome = document.getElementById('outcome');

  // The link's token: read once, then taken out of the address bar and of this history entry, so it
  // is not left on screen, in the history or in a bookmark. (Referrer-Policy: no-referrer keeps it
  // out of Referer headers.) From here on the token lives only in this script.
  const token = new URLSearchParams(window.location.search).get('token') || '';
  if (window.location.search) window.history.replaceState(null, '', window.location.pathname);

  const noToken = ['This link has no token.', 'Open the link from the email again, or ask for a new email.'];
  const unreachable = 'Could not reach the server. Check your connection and try again.';

  /** Shows the outcome, one paragraph a line. The region is aria-live: screen readers read it out. */
  function show(kind, ...lines) {
    outcome.className = kind;
    outcome.replaceChildren(...lines.map((line) => {
      const p = document.createElement('p');
      p.textContent = line;  // text, never HTML: lines may quote the server
      return p;
    }));
  }

  /**
   * POSTs `body` as JSON to `path`. Resolves to { status, error, retryAfter }: error is the error
   * object of an API error body ({code, message, details, requestId}), or {}. Rejects only when the
   * server can't be reached.
   */
  async function post(path, body) {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',  // the token in the body is the only credential
      cache: 'no-store',
    });
    let error = {};
    if ((res.headers.get('Content-Type') || '').startsWith('application/json')) {
      try {
        error = (await res.json()).error || {};
      } catch { /* not JSON after all: no message to show */ }
    }
    return { status: res.status, error, retryAfter: res.headers.get('Retry-After') };
  }

  function tooManyTries(retryAfter) {
    const seconds = Number.parseInt(retryAfter || '', 10);
    if (!(seconds > 0)) return 'Too many tries, wait a minute and try again.';
    return `Too many tries, wait ${seconds} second${seconds === 1 ? '' : 's'}.`;
  }

  function unexpected(status) {
    return `Something went wrong (HTTP ${status}). Try again later.`;
  }

  /** The line for a 400 on the token: the link was never valid, is used, expired or replaced. */
  function linkError(error) {
    const why = (error.details && error.details.token) || error.message || 'it is not valid';
    return `This link does not work: ${why}`;
  }

  // API.md §3: a password is 8 to 72 bytes of UTF-8 (bcrypt reads no further, and the server
  // refuses rather than cut). Bytes, not characters: an accented letter or an emoji is 2 to 4.
  const kMinBytes = 8;
  const kMaxBytes = 72;

  /** What is wrong with the two fields before anything is sent: { field, message }, or null. */
  function passwordProblem(password, repeat) {
    const bytes = new TextEncoder().encode(password).length;
    if (bytes === 0) return { field: 'password', message: 'Enter a new password.' };
    if (bytes < kMinBytes) {
      return { field: 'password', message: `The new password is too short: it needs at least ${kMinBytes} bytes.` };
    }
    if (bytes > kMaxBytes) {
      return { field: 'password', message: `The new password is too long: ${bytes} bytes, at most ${kMaxBytes}.` };
    }
    if (password !== repeat) return { field: 'repeat', message: 'The two passwords differ.' };
    return null;
  }

  function verifyEmail() {
    const retry = document.getElementById('retry');
    const run = async () => {
      retry.hidden = true;
      show('pending', 'Checking your link\u2026');
      let r = null;
      try {
        r = await post('/api/auth/verify-email', { token });
      } catch { /* r stays null: unreachable */ }
      if (r && r.status === 200) return show('ok', 'Your email address is verified.');
      if (r && r.status === 400) return show('error', linkError(r.error), 'Ask for a new verification email.');
      // These may pass. The token is gone from the address bar, so reloading would not retry: a button does.
      show('error', !r ? unreachable : r.status === 429 ? tooManyTries(r.retryAfter) : unexpected(r.status));
      retry.hidden = false;
    };
    if (!token) return show('error', ...noToken);
    retry.addEventListener('click', run);
    run();
  }

  function resetPassword() {
    const form = document.getElementById('reset-form');
    const fields = { password: document.getElementById('password'), repeat: document.getElementById('repeat') };
    const submit = form.querySelector('button[type="submit"]');
    // The form starts hidden, so that without a token (or without this script) there is nothing to fill in.
    if (!token) return show('error', ...noToken);
    form.hidden = false;

    /** Marks the field to fix (or none) for assistive technology, and moves the focus there. */
    function flag(name) {
      for (const input of Object.values(fields)) input.removeAttribute('aria-invalid');
      if (name) {
        fields[name].setAttribute('aria-invalid', 'true');
        fields[name].focus();
      }
    }

    form.addEventListener('submit', async (event) => {
      // Never a native submit (the policy's form-action 'none' refuses it anyway): the password
      // leaves the page only here, as JSON in a POST body.
      event.preventDefault();
      const problem = passwordProblem(fields.password.value, fields.repeat.value);
      flag(problem && problem.field);
      if (problem) return show('error', problem.message);

      submit.disabled = true;  // one request at a time: the token is single use
      show('pending', 'Changing your password\u2026');
      let r = null;
      try {
        r = await post('/api/auth/reset-password', { token, password: fields.password.value });
      } catch { /* r stays null: unreachable */ } finally {
        submit.disabled = false;
      }
      if (!r) return show('error', unreachable);
      if (r.status === 204) {
        form.reset();
        form.hidden = true;
        return show('ok', 'Your password is changed. Sign in with your new password.');
      }
      if (r.status === 400) {
        const details = r.error.details || {};
        const lines = [];
        if (details.password) {
          lines.push(`The new password does not work: ${details.password}`);
          flag('password');
        }
        if (details.token) {
          // Used, expired or replaced by a newer link: trying again with this one can't help.
          form.hidden = true;
          lines.push(linkError(r.error), 'Ask for a new password reset email.');
        }
        return show('error', ...(lines.length > 0 ? lines : [r.error.message || unexpected(r.status)]));
      }
      show('error', r.status === 429 ? tooManyTries(r.retryAfter) : unexpected(r.status));
    });
  }

  const page = document.body.dataset.page;
  if (page === 'verify-email') verifyEmail();
  else if (page === 'reset-password') resetPassword();
})();
)js";

constexpr std::string_view kStyle = R"css(*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #f4f4f4; }
main { max-width: 28rem; margin: 3rem auto; padding: 1.5rem 2rem; background: #fff; border: 1px solid #ddd; border-radius: 8px; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
input { width: 100%; padding: 0.5rem; font: inherit; border: 1px solid #767676; border-radius: 4px; }
input[aria-invalid="true"] { border-color: #b00020; border-width: 2px; }
.field { margin: 0 0 1rem; }
.hint { margin: 0.25rem 0 0; font-size: 0.875rem; color: #555; }
button { font: inherit; padding: 0.5rem 1rem; border: 0; border-radius: 4px; background: #1d5bb8; color: #fff; cursor: pointer; }
button:disabled { opacity: 0.6; cursor: default; }
:focus-visible { outline: 3px solid #e09b00; outline-offset: 2px; }
#outcome p { margin: 1rem 0 0; }
#outcome.ok { color: #17612a; font-weight: 600; }
#outcome.error { color: #b00020; }
)css";

constexpr std::string_view kVerifyTitle = "Verify your email address";
constexpr std::string_view kVerifyMain = R"html(<div id="outcome" role="status" aria-live="polite"></div>
<button id="retry" type="button" hidden>Try again</button>
)html";

constexpr std::string_view kResetTitle = "Choose a new password";
// novalidate: the script checks the fields itself, in UTF-8 bytes as the API counts them (the
// browser's minlength counts UTF-16 units). hidden until the script finds a token in the link.
constexpr std::string_view kResetMain = R"html(<form id="reset-form" novalidate hidden>
<div class="field">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="password-hint">
<p id="password-hint" class="hint">8 to 72 bytes: most characters are one byte, accented letters and emoji 2 to 4.</p>
</div>
<div class="field">
<label for="repeat">Repeat the new password</label>
<input id="repeat" name="repeat" type="password" autocomplete="new-password" required>
</div>
<button type="submit">Change password</button>
</form>
<div id="outcome" role="status" aria-live="polite"></div>
)html";

// `page` names the page for the script (data-page); `main` is the page's own markup.
std::string page_html(std::string_view page, std::string_view title, std::string_view main) {
  std::string html;
  html += R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>)html";
  html += title;
  html += R"html(</title>
<link rel="stylesheet" href="/account/account.css">
<script src="/account/account.js" defer></script>
</head>
<body data-page=")html";
  html += page;
  html += R"html(">
<main>
<h1>)html";
  html += title;
  html += "</h1>\n";
  html += main;
  html += R"html(<noscript><p>This page needs JavaScript.</p></noscript>
</main>
</body>
</html>
)html";
  return html;
}

http::Response page_response(std::string_view content_type, std::string body, std::string_view cache_control) {
  http::Response res = http::Response::text(200, std::string(content_type), std::move(body));
  res.headers.set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  res.headers.set("Cache-Control", std::string(cache_control));
  return res;
}

// Registers GET `path` answering the fixed `body`.
void serve(http::Router& router, std::string_view path, std::string_view content_type, std::string body,
           std::string_view cache_control) {
  router.add(http::Method::get, path,
             [content_type, body = std::move(body), cache_control](http::Request&, http::Context&) -> Task<http::Response> {
               co_return page_response(content_type, body, cache_control);
             });
}

}  // namespace

void add_account_pages(http::Router& router) {
  // Not API operations: registered on the router alone, the OpenAPI document leaves them out.
  serve(router, "/verify-email", kHtml, page_html("verify-email", kVerifyTitle, kVerifyMain), kNoStore);
  serve(router, "/reset-password", kHtml, page_html("reset-password", kResetTitle, kResetMain), kNoStore);
  serve(router, "/account/account.js", kJavaScript, std::string(kScript), kRevalidate);
  serve(router, "/account/account.css", kCss, std::string(kStyle), kRevalidate);
}

}  // namespace keel::auth
