#include "resources/record_json.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cmath>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <re2/re2.h>

#include "core/text_rules.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json_text.hpp"

namespace keel::resources {
namespace {

namespace json = boost::json;

constexpr std::string_view kServerSet[] = {"id", "ownerId", "createdAt", "updatedAt"};
constexpr std::size_t kMaxUrlLength = 2048;

// Characters, not bytes: Boost.JSON hands over valid UTF-8.
std::int64_t char_count(std::string_view s) { return static_cast<std::int64_t>(utf8_length(s)); }

std::string number_text(double v) { return fmt::format("{}", v); }

bool valid_url(std::string_view s) {
  if (s.size() > kMaxUrlLength) return false;
  // parse_uri, not parse_absolute_uri: an absolute URI excludes a fragment, and links like
  // https://example.com/page#section are URLs a user expects to store.
  const auto u = boost::urls::parse_uri(s);
  if (!u) return false;
  return (u->scheme() == "http" || u->scheme() == "https") && u->has_authority() && !u->encoded_host().empty();
}

// True when a string or key anywhere in `v` holds U+0000. PostgreSQL's text and jsonb can't
// store it, so keel refuses it on every database rather than store it truncated or fail.
bool holds_nul(const json::value& v) {
  if (v.is_string()) return std::string_view(v.get_string()).find('\0') != std::string_view::npos;
  if (v.is_array()) return std::any_of(v.get_array().begin(), v.get_array().end(), holds_nul);
  if (v.is_object()) {
    for (const auto& [key, item] : v.get_object()) {
      if (key.find('\0') != std::string_view::npos || holds_nul(item)) return true;
    }
  }
  return false;
}

// One field's value from JSON to what is stored; the problem goes to `why`.
std::optional<storage::Value> field_value(const FieldDecl& f, const re2::RE2* pattern, const json::value& v,
                                          std::string& why) {
  if (v.is_null()) {
    if (f.required) why = "is required";
    return storage::Value(nullptr);
  }
  auto range = [&](double x) {
    if (f.min && x < *f.min) why = fmt::format("must be at least {}", number_text(*f.min));
    else if (f.max && x > *f.max) why = fmt::format("must be at most {}", number_text(*f.max));
  };
  switch (f.type) {
    case FieldType::kInteger: {
      std::int64_t n = 0;
      if (v.is_int64()) n = v.as_int64();
      else if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) n = static_cast<std::int64_t>(v.as_uint64());
      else if (v.is_double() && std::trunc(v.as_double()) == v.as_double() && std::fabs(v.as_double()) < 9.2e18) {
        n = static_cast<std::int64_t>(v.as_double());
      } else {
        why = "must be a whole number (64-bit)";
        return std::nullopt;
      }
      range(static_cast<double>(n));
      return storage::Value(n);
    }
    case FieldType::kNumber: {
      if (!v.is_number()) {
        why = "must be a number";
        return std::nullopt;
      }
      const double d = v.to_number<double>();
      // Boost.JSON reads 1e400 as infinity, which JSON can't express: it would be stored and
      // then rendered as `inf`, breaking every response that holds the record.
      if (!std::isfinite(d)) {
        why = "must be a finite number";
        return std::nullopt;
      }
      range(d);
      // -0 becomes 0: SQLite and PostgreSQL would otherwise render it differently.
      return storage::Value(d + 0.0);
    }
    case FieldType::kBoolean:
      if (!v.is_bool()) {
        why = "must be true or false";
        return std::nullopt;
      }
      return storage::Value(std::int64_t{v.as_bool()});
    case FieldType::kJson:
      if (!v.is_object() && !v.is_array()) {
        why = "must be a JSON object or array";
        return std::nullopt;
      }
      if (holds_nul(v)) {
        why = "must not contain U+0000";
        return std::nullopt;
      }
      return storage::Value(json::serialize(v));
    default: break;
  }
  if (!v.is_string()) {
    why = "must be a string";
    return std::nullopt;
  }
  const std::string_view s = v.as_string();
  if (s.find('\0') != std::string_view::npos) {
    why = "must not contain U+0000";
    return std::nullopt;
  }
  switch (f.type) {
    case FieldType::kDatetime:
      if (auto t = normalise_timestamp(s)) return storage::Value(std::move(*t));
      why = "must be an RFC 3339 date-time, e.g. 2026-11-24T03:55:23.123Z";
      return std::nullopt;
    case FieldType::kRef:
      if (is_uuid(s)) return storage::Value(std::string(s));
      why = "must be the id of a " + f.ref_resource + " record";
      return std::nullopt;
    case FieldType::kEnum:
      if (std::find(f.values.begin(), f.values.end(), s) != f.values.end()) return storage::Value(std::string(s));
      {
        std::string all;
        for (const auto& x : f.values) all += (all.empty() ? "" : ", ") + x;
        why = "must be one of: " + all;
      }
      return std::nullopt;
    default: break;
  }
  if (s.empty() && f.required) {
    why = "is required";
    return std::nullopt;
  }
  const std::int64_t length = char_count(s);
  if (f.min_length && length < *f.min_length) {
    why = fmt::format("must be at least {} characters", *f.min_length);
  } else if (f.max_length && length > *f.max_length) {
    why = fmt::format("must be at most {} characters", *f.max_length);
  } else if (pattern && !RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *pattern)) {
    why = "does not match the pattern " + *f.pattern;
  } else if (f.type == FieldType::kEmail) {
    auto normal = normalise_email(s);
    if (!normal) why = "must be a valid email address";
    else return storage::Value(std::move(*normal));
  } else if (f.type == FieldType::kUrl && !valid_url(s)) {  // "" is no URL either (as for email)
    why = "must be an absolute http or https URL";
  }
  if (!why.empty()) return std::nullopt;
  return storage::Value(std::string(s));
}

// Fields the body names, checked; unknown and server-set names are problems too.
FieldValues parse_fields(const Resource& r, const json::object& body, ErrorDetails& details) {
  FieldValues out(r.decl.fields.size());
  for (const auto& [key, value] : body) {
    const int i = r.field_index(key);
    if (i < 0) {
      const bool server_set = std::find(std::begin(kServerSet), std::end(kServerSet), key) != std::end(kServerSet);
      details[std::string(key)] = server_set ? "is set by the server" : "is not a field of " + r.decl.name;
      continue;
    }
    std::string why;
    const auto idx = static_cast<std::size_t>(i);
    auto v = field_value(r.decl.fields[idx], r.patterns[idx].get(), value, why);
    if (!why.empty()) details[std::string(key)] = why;
    else out[idx] = std::move(v);
  }
  return out;
}

storage::Value stored_default(const FieldDecl& f) {
  if (!f.default_value) return nullptr;
  const json::value& d = *f.default_value;
  if (d.is_bool()) return std::int64_t{d.as_bool()};
  if (d.is_int64()) return d.as_int64();
  if (d.is_double()) return d.as_double();
  if (d.is_string()) {
    if (f.type == FieldType::kDatetime) {
      if (auto t = normalise_timestamp(d.as_string())) return *t;
    }
    return std::string(d.as_string());
  }
  return nullptr;
}

void append_value(std::string& out, FieldType type, const storage::Value& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) {
    out += "null";
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    if (type == FieldType::kBoolean) out += *i ? "true" : "false";
    else if (type == FieldType::kNumber) out += number_text(static_cast<double>(*i));
    else fmt::format_to(std::back_inserter(out), "{}", *i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    out += number_text(*d);
  } else {
    const auto& s = std::get<std::string>(v);
    if (type == FieldType::kJson) out += s;  // stored as serialised JSON by keel (or jsonb's own text)
    else append_json_string(out, s);
  }
}

bool wanted(const std::vector<std::string>& fields, std::string_view name) {
  return fields.empty() || std::find(fields.begin(), fields.end(), name) != fields.end();
}

}  // namespace

std::vector<storage::Value> parse_create(const Resource& r, const json::object& body) {
  ErrorDetails details;
  FieldValues given = parse_fields(r, body, details);
  std::vector<storage::Value> out;
  out.reserve(given.size());
  for (std::size_t i = 0; i < given.size(); ++i) {
    const FieldDecl& f = r.decl.fields[i];
    if (given[i]) {
      out.push_back(std::move(*given[i]));
    } else if (f.default_value) {
      out.push_back(stored_default(f));
    } else {
      if (f.required && !details.count(f.name)) details[f.name] = "is required";
      out.emplace_back(nullptr);
    }
  }
  if (!details.empty()) throw Error::validation(std::move(details));
  return out;
}

FieldValues parse_patch(const Resource& r, const json::object& body) {
  ErrorDetails details;
  FieldValues out = parse_fields(r, body, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return out;
}

void append_record_json(std::string& out, const Resource& r, const std::vector<storage::Value>& row,
                        const std::vector<std::string>& fields, const Expansions* expansions) {
  out += "{\"id\":";
  append_json_string(out, std::get<std::string>(row[0]));
  for (std::size_t i = 0; i < r.decl.fields.size(); ++i) {
    const FieldDecl& f = r.decl.fields[i];
    if (!wanted(fields, f.name)) continue;
    out += ",\"";
    out += f.name;
    out += "\":";
    const storage::Value& v = row[i + 1];
    if (expansions && f.type == FieldType::kRef && std::holds_alternative<std::string>(v)) {
      if (const auto it = expansions->find(f.name); it != expansions->end()) {
        if (const auto rec = it->second.find(std::get<std::string>(v)); rec != it->second.end()) {
          out += rec->second;
          continue;
        }
      }
    }
    append_value(out, f.type, v);
  }
  if (wanted(fields, "ownerId")) {
    out += ",\"ownerId\":";
    append_value(out, FieldType::kRef, row[r.owner_column()]);
  }
  if (wanted(fields, "createdAt")) {
    out += ",\"createdAt\":";
    append_value(out, FieldType::kDatetime, row[r.created_column()]);
  }
  if (wanted(fields, "updatedAt")) {
    out += ",\"updatedAt\":";
    append_value(out, FieldType::kDatetime, row[r.updated_column()]);
  }
  out += '}';
}

void append_value_json(std::string& out, FieldType type, const storage::Value& v) { append_value(out, type, v); }

std::string record_json(const Resource& r, const std::vector<storage::Value>& row) {
  std::string out;
  out.reserve(256);
  append_record_json(out, r, row);
  return out;
}

std::string etag_of(std::string_view record_json) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(record_json.data()), record_json.size(), digest);
  return "\"" + to_hex(digest, 12) + "\"";
}

}  // namespace keel::resources
