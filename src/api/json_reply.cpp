#include "api/json_reply.hpp"

#include "acme/json_text.hpp"

namespace cobble::api {

Reply json_reply(const nlohmann::json& body, int status) {
  Reply reply;
  reply.status = status;
  reply.content_type = "application/json";
  reply.body = acme::json_text(body, 2);
  return reply;
}

}  // namespace cobble::api
