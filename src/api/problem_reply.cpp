#include "api/problem_reply.hpp"

#include "acme/json_text.hpp"

namespace cobble::api {

Reply problem_reply(const acme::Problem& problem) {
  Reply reply;
  reply.status = problem.status;
  reply.content_type = "application/problem+json";
  reply.headers = problem.headers;
  reply.body = acme::json_text(acme::to_json(problem), 2);
  return reply;
}

}  // namespace cobble::api
