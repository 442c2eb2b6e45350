#include "docs/docs_routes.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "docs/docs_assets.hpp"

namespace keel::docs {
namespace {

// Everything the page loads comes from this server, and nothing runs inline: no inline scripts,
// styles or event handlers, no eval. Swagger UI sets styles only through the CSSOM (element.style),
// which style-src does not govern, so it needs no 'unsafe-inline' (tests/web/docs_page.test.js
// fails on any violation the browser reports).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The swagger-ui-dist files are requested with ?v=<their hash>, so a browser may keep them for good.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
// The page and its own small files change with keel, and cost nothing to check again.
constexpr std::string_view kRevalidate = "no-cache";

constexpr std::string_view kOpenApiUrl = "/api/openapi.json";

// Starts Swagger UI. An external script rather than an inline one, so the policy can forbid
// inline scripts. validatorUrl: null keeps it from calling validator.swagger.io.
constexpr std::string_view kInitScript = R"js(window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-url'),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
)js";

constexpr std::string_view kStyle = R"css(html { box-sizing: border-box; overflow-y: scroll; }
*, *:before, *:after { box-sizing: inherit; }
body { margin: 0; background: #fafafa; }
)css";

constexpr std::string_view kFileTypes[][2] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".png", "image/png"},
};

std::string_view content_type(std::string_view name) {
  for (const auto& [suffix, type] : kFileTypes) {
    if (name.ends_with(suffix)) return type;
  }
  return "application/octet-stream";
}

std::string versioned_url(std::string_view name) {
  for (const auto& file : embedded_files()) {
    if (file.name == name) return fmt::format("/docs/{}?v={}", name, file.version);
  }
  // Programmer error: the page names only files CMakeLists.txt embeds (KEEL_DOCS_FILES).
  throw std::logic_error(fmt::format("docs file {} is not embedded", name));
}

std::string page_html() {
  return fmt::format(R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>keel API documentation</title>
<link rel="icon" type="image/png" href="{}">
<link rel="stylesheet" href="{}">
<link rel="stylesheet" href="/docs/docs.css">
</head>
<body>
<div id="swagger-ui" data-url="{}"></div>
<script src="{}"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
)html",
                     versioned_url("favicon-32x32.png"), versioned_url("swagger-ui.css"), kOpenApiUrl,
                     versioned_url("swagger-ui-bundle.js"));
}

http::Response docs_response(std::string_view content_type, std::string body, std::string_view cache_control) {
  http::Response res = http::Response::text(200, std::string(content_type), std::move(body));
  res.headers.set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  res.headers.set("Cache-Control", std::string(cache_control));
  return res;
}

}  // namespace

void add_routes(http::Router& router) {
  // The page and its files are not API operations: registered on the router alone, the
  // OpenAPI document leaves them out.
  router.add(
      http::Method::get, "/docs",
      [page = page_html()](http::Request&, http::Context&) -> Task<http::Response> {
        co_return docs_response("text/html; charset=utf-8", page, kRevalidate);
      });

  router.add(
      http::Method::get, "/docs/:file",
      [](http::Request&, http::Context& ctx) -> Task<http::Response> {
        const std::string_view name = ctx.param("file");
        if (name == "docs.js") co_return docs_response(content_type(name), std::string(kInitScript), kRevalidate);
        if (name == "docs.css") co_return docs_response(content_type(name), std::string(kStyle), kRevalidate);
        for (const auto& file : embedded_files()) {
          if (file.name == name) co_return docs_response(content_type(name), std::string(file.data), kImmutable);
        }
        throw Error::not_found();
      });
}

}  // namespace keel::docs
