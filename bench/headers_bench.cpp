// Request headers: copy the parser's fields into keel's http::Headers (what the session did
// until RequestHeaders), or keep Beast's http::fields moved out of the parser (what it does
// now, inside RequestHeaders); each followed by the lookups a request makes on its way through
// the pipeline. Linked with mimalloc, like the server. Parsing is
// included in every case (the fields must be rebuilt each iteration), and measured alone too,
// so the difference between the cases is the conversion and lookup cost.
#include <array>
#include <string_view>
#include <utility>

#include <benchmark/benchmark.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/headers.hpp"
#include "http/request_headers.hpp"
#include "http/request_headers_access.hpp"
#include "http/response.hpp"
#include "http/wire.hpp"

namespace {

namespace bhttp = boost::beast::http;
using keel::http::Headers;

// What wrk sends for the /healthz benchmark.
constexpr std::string_view kWrk = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n";

// A browser-like API call with a bearer token: nine fields.
constexpr std::string_view kApi =
    "GET /api/v1/tasks/0193f1c2-7a3b-7c4d-8e5f-0123456789ab HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: application/json\r\n"
    "Accept-Language: en-GB,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzZjFjMi03YTNiLTdjNGQtOGU1Zi0"
    "wMTIzNDU2Nzg5YWIiLCJyb2xlIjoidXNlciIsInNpZCI6IjAxOTNmMWMyLTdhM2ItN2M0ZC04ZTVmLTAxMjM0NTY3ODlhYyIsImV4cC"
    "I6MTczMzMzMzMzM30.dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgaXMgbG9uZw\r\n"
    "Origin: https://app.example.com\r\n"
    "If-None-Match: \"3f9a\"\r\n"
    "X-Request-Id: bench-0001\r\n"
    "\r\n";

// The names the pipeline asks for: cors, auth, the JSON body check, conditional reads.
constexpr std::array<std::string_view, 4> kLookups = {"Origin", "Authorization", "Content-Type", "If-None-Match"};

bhttp::request<bhttp::string_body> parse(std::string_view raw) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  if (ec || !parser.is_done()) std::abort();
  return parser.release();
}

std::string_view sample(const benchmark::State& state) { return state.range(0) == 0 ? kWrk : kApi; }

void label(benchmark::State& state) {
  state.SetLabel(state.range(0) == 0 ? "wrk /healthz, 1 field" : "API call, 9 fields");
}

void BM_Headers_ParseOnly(benchmark::State& state) {
  const std::string_view raw = sample(state);
  for (auto _ : state) {
    auto msg = parse(raw);
    benchmark::DoNotOptimize(msg);
  }
  label(state);
}
BENCHMARK(BM_Headers_ParseOnly)->Arg(0)->Arg(1);

// Today: every field copied into Headers, then the lookups; the message and the copy both die.
void BM_Headers_CopyToKeel(benchmark::State& state) {
  const std::string_view raw = sample(state);
  for (auto _ : state) {
    auto msg = parse(raw);
    Headers headers;
    headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& field : msg) headers.add(field.name_string(), std::string(field.value()));
    for (std::string_view name : kLookups) benchmark::DoNotOptimize(headers.get(name));
  }
  label(state);
}
BENCHMARK(BM_Headers_CopyToKeel)->Arg(0)->Arg(1);

// Beast's: the fields moved out of the parsed message, then the same lookups.
void BM_Headers_MoveBeastFields(benchmark::State& state) {
  const std::string_view raw = sample(state);
  for (auto _ : state) {
    auto msg = parse(raw);
    bhttp::fields fields(std::move(static_cast<bhttp::fields&>(msg)));
    for (std::string_view name : kLookups) {
      auto it = fields.find(name);
      benchmark::DoNotOptimize(it == fields.end() ? std::string_view() : std::string_view(it->value()));
    }
  }
  label(state);
}
BENCHMARK(BM_Headers_MoveBeastFields)->Arg(0)->Arg(1);

// The same, through keel's RequestHeaders facade: its in-place storage should cost nothing.
void BM_Headers_MoveIntoRequestHeaders(benchmark::State& state) {
  const std::string_view raw = sample(state);
  for (auto _ : state) {
    auto msg = parse(raw);
    keel::http::RequestHeaders headers;
    keel::http::RequestHeadersAccess::fields(headers) = std::move(static_cast<bhttp::fields&>(msg));
    for (std::string_view name : kLookups) benchmark::DoNotOptimize(headers.get(name));
  }
  label(state);
}
BENCHMARK(BM_Headers_MoveIntoRequestHeaders)->Arg(0)->Arg(1);

// The lookups alone, on fields already built: the two containers' own find.
void BM_Headers_LookupKeel(benchmark::State& state) {
  const auto msg = parse(sample(state));
  Headers headers;
  for (const auto& field : msg) headers.add(field.name_string(), std::string(field.value()));
  for (auto _ : state) {
    for (std::string_view name : kLookups) benchmark::DoNotOptimize(headers.get(name));
  }
  label(state);
}
BENCHMARK(BM_Headers_LookupKeel)->Arg(0)->Arg(1);

void BM_Headers_LookupBeast(benchmark::State& state) {
  const auto msg = parse(sample(state));
  for (auto _ : state) {
    for (std::string_view name : kLookups) {
      auto it = msg.find(name);
      benchmark::DoNotOptimize(it == msg.end() ? std::string_view() : std::string_view(it->value()));
    }
  }
  label(state);
}
BENCHMARK(BM_Headers_LookupBeast)->Arg(0)->Arg(1);

// Response heads: keel's Response + serialize_head (hand-written, one exact-size string), or a
// Beast response with the same fields, taken through Beast's serializer into one string.
constexpr std::string_view kDate = "Wed, 04 Dec 2024 16:52:00 GMT";
constexpr std::string_view kRequestId = "0193f1c2-7a3b-7c4d-8e5f-0123456789ab";
constexpr std::string_view kBody = R"({"status":"ok"})";

void BM_ResponseHead_Keel(benchmark::State& state) {
  for (auto _ : state) {
    keel::http::Response res = keel::http::Response::json_text(200, std::string(kBody));
    std::string head = keel::http::serialize_head(res, {.keep_alive = true, .date = kDate, .request_id = kRequestId},
                                                  res.body.size());
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_ResponseHead_Keel);

void BM_ResponseHead_Beast(benchmark::State& state) {
  for (auto _ : state) {
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, keel::http::kJsonContentType);
    res.body() = std::string(kBody);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set(bhttp::field::date, kDate);
    res.set("X-Request-Id", kRequestId);
    res.content_length(res.body().size());
    bhttp::serializer<false, bhttp::string_body> sr{res};
    sr.split(true);
    std::string head;
    boost::beast::error_code ec;
    while (!sr.is_header_done()) {
      sr.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
        std::size_t n = 0;
        for (auto b : boost::beast::buffers_range_ref(buffers)) {
          head.append(static_cast<const char*>(b.data()), b.size());
          n += b.size();
        }
        sr.consume(n);
      });
    }
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_ResponseHead_Beast);

// Response fields as handlers and middleware build them (Content-Type, then Cache-Control on
// /api) and serialize_head walks them: keel's Headers or Beast's fields as the container. The
// response is moved once per layer on its way out (handler, router, four middleware).
template <class T>
[[gnu::noinline]] T pass_up(T value) {
  for (int i = 0; i < 6; ++i) {
    T next(std::move(value));
    value = std::move(next);
  }
  return value;
}

void BM_ResponseFields_Keel(benchmark::State& state) {
  for (auto _ : state) {
    Headers built;
    built.set("Content-Type", keel::http::kJsonContentType);
    Headers h = pass_up(std::move(built));
    if (!h.has("Cache-Control")) h.add("Cache-Control", "no-store");
    std::size_t n = 0;
    for (const auto& [name, value] : h) n += name.size() + value.size();
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_ResponseFields_Keel);

void BM_ResponseFields_Beast(benchmark::State& state) {
  for (auto _ : state) {
    bhttp::fields built;
    built.set(bhttp::field::content_type, keel::http::kJsonContentType);
    bhttp::fields h = pass_up(std::move(built));
    if (h.find(bhttp::field::cache_control) == h.end()) h.insert(bhttp::field::cache_control, "no-store");
    std::size_t n = 0;
    for (const auto& f : h) n += f.name_string().size() + f.value().size();
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_ResponseFields_Beast);

}  // namespace

BENCHMARK_MAIN();
