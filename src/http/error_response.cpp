#include "http/error_response.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace keel::http {

Response error_response(const Error& e, std::string_view request_id) {
  boost::json::object error;
  error["code"] = error_code_name(e.code());
  error["message"] = e.message();
  if (!e.details().empty()) {
    boost::json::object details;
    for (const auto& [field, message] : e.details()) details[field] = message;
    error["details"] = std::move(details);
  }
  error["requestId"] = request_id;
  boost::json::object body;
  body["error"] = std::move(error);

  Response res = Response::json(http_status(e.code()), body);
  for (const auto& [name, value] : e.headers()) res.headers.set(name, value);
  return res;
}

}  // namespace keel::http
