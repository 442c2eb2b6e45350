#include "http/router.hpp"

#include <stdexcept>

#include <boost/container/small_vector.hpp>
#include <boost/url/pct_string_view.hpp>

#include "core/error.hpp"
#include "http/json_body.hpp"

namespace keel::http {
namespace {

constexpr std::string_view kApiPrefix = "/api/";
constexpr std::string_view kVersionedPrefix = "/api/v1/";

// Segments of a path; no allocation for paths of up to 8 segments.
using Segments = boost::container::small_vector<std::string_view, 8>;

void append_segments(Segments& out, std::string_view path) {
  std::size_t pos = 1;  // paths start with '/'
  while (pos <= path.size()) {
    const std::size_t next = path.find('/', pos);
    const std::size_t end = next == std::string_view::npos ? path.size() : next;
    out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
}

// The segments of the canonical form of `path` (see Router::canonical_path), as views.
Segments canonical_segments(std::string_view path) {
  Segments out;
  if (path.starts_with(kApiPrefix) && !path.starts_with(kVersionedPrefix) && path != "/api/v1") {
    out.push_back("api");
    out.push_back("v1");
    append_segments(out, path.substr(kApiPrefix.size() - 1));
  } else {
    append_segments(out, path);
  }
  return out;
}

std::string decode_segment(std::string_view raw) {
  auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) {
    throw Error::validation({{"path", "is not valid percent-encoding"}}, "The request path is malformed");
  }
  return pct->decode();
}

bool takes_body(Method m) { return m == Method::post || m == Method::put || m == Method::patch; }

}  // namespace

std::string Router::canonical_path(std::string_view path) {
  if (path.starts_with(kApiPrefix) && !path.starts_with(kVersionedPrefix) && path != "/api/v1") {
    std::string out(kVersionedPrefix);
    out.append(path.substr(kApiPrefix.size()));
    return out;
  }
  return std::string(path);
}

void Router::add(Method method, std::string_view pattern, Handler handler) {
  if (pattern.empty() || pattern.front() != '/') throw std::invalid_argument("route pattern must start with /");
  const std::string canonical = canonical_path(pattern);
  Pattern* target = nullptr;
  for (auto& p : patterns_) {
    if (p.text == canonical) target = &p;
  }
  if (!target) {
    Pattern p;
    p.text = canonical;
    for (auto seg : canonical_segments(canonical)) {
      if (seg.starts_with(':')) {
        if (seg.size() == 1) throw std::invalid_argument("route parameter needs a name: " + canonical);
        p.segments.push_back({std::string(seg.substr(1)), true});
      } else {
        p.segments.push_back({std::string(seg), false});
      }
    }
    patterns_.push_back(std::move(p));
    target = &patterns_.back();
  }
  for (const auto& r : target->routes) {
    if (r.method == method) throw std::invalid_argument("duplicate route: " + canonical);
  }
  target->routes.push_back({method, std::move(handler)});
}

const Router::Pattern* Router::find_pattern(std::string_view path, Context& ctx) const {
  const Segments parts = canonical_segments(path);
  const Pattern* best = nullptr;
  std::size_t best_literals = 0;
  for (const auto& p : patterns_) {
    if (p.segments.size() != parts.size()) continue;
    std::size_t literals = 0;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      if (p.segments[i].is_param) {
        ok = !parts[i].empty();
      } else {
        ok = p.segments[i].text == parts[i];
        ++literals;
      }
    }
    // Literal segments beat parameters: /users/me wins over /users/:id.
    if (ok && (!best || literals > best_literals)) {
      best = &p;
      best_literals = literals;
    }
  }
  if (best) {
    ctx.params.clear();
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (best->segments[i].is_param) ctx.params.emplace_back(best->segments[i].text, decode_segment(parts[i]));
    }
  }
  return best;
}

std::string Router::allow_header(const Pattern& p) {
  std::string allow;
  bool has_get = false, has_head = false;
  for (const auto& r : p.routes) {
    if (!allow.empty()) allow += ", ";
    allow += to_string(r.method);
    has_get = has_get || r.method == Method::get;
    has_head = has_head || r.method == Method::head;
  }
  if (has_get && !has_head) allow += ", HEAD";
  allow += ", OPTIONS";
  return allow;
}

Task<Response> Router::dispatch(Request& req, Context& ctx) const {
  prepare_request(req);
  const Pattern* pattern = find_pattern(req.path, ctx);
  if (!pattern) throw Error::not_found("No route matches " + std::string(req.path));
  ctx.route = pattern->text;

  const Route* route = nullptr;
  for (const auto& r : pattern->routes) {
    if (r.method == req.method) route = &r;
  }
  if (!route && req.method == Method::head) {
    for (const auto& r : pattern->routes) {
      if (r.method == Method::get) route = &r;
    }
  }
  if (!route) {
    if (req.method == Method::options) {
      Response res = Response::empty(204);
      res.headers.set("Allow", allow_header(*pattern));
      co_return res;
    }
    throw Error::method_not_allowed().with_header("Allow", allow_header(*pattern));
  }
  if (takes_body(route->method)) req.json = parse_json_body(req);
  co_return co_await route->handler(req, ctx);
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const auto& p : patterns_) {
    for (const auto& r : p.routes) out.push_back({r.method, p.text});
  }
  return out;
}

}  // namespace keel::http
