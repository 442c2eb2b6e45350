#include "http/response.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace keel::http {

Response Response::json(int status, const boost::json::value& body) {
  return json_text(status, boost::json::serialize(body));
}

Response Response::json_text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", kJsonContentType);
  r.body = std::move(body);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  return r;
}

Response Response::text(int status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

}  // namespace keel::http
