#include "api/management/admin.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/json_reply.hpp"
#include "common/log.hpp"

namespace cobble::api {
namespace {

using acme::Problem;

constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

acme::Result<nlohmann::json> json_object_body(const Request& request) {
  auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return acme::fail(Problem::malformed("The body must be a JSON object"));
  return body;
}

nlohmann::json level_json() {
  auto name = spdlog::level::to_string_view(spdlog::get_level());
  return {{"level", std::string(name.data(), name.size())}};
}

}  // namespace

acme::Result<Reply> chaos_settings(Context& ctx, ManagementServices& s) {
  if (!s.chaos) return acme::fail(Problem::not_found("Chaos is not available on this server"));
  if (ctx.request.method == "POST") {
    auto body = json_object_body(ctx.request);
    if (!body) return acme::fail(body.error());
    auto parsed = parse_chaos(*body);
    if (!parsed) return acme::fail(Problem::malformed(parsed.error().message));
    s.chaos->set(std::move(*parsed));
    common::log_event(spdlog::level::warn, "chaos_changed", {{"request_id", ctx.request.request_id}},
                      "chaos settings changed: {}", to_json(s.chaos->settings()).dump());
    if (s.share_setting) s.share_setting("chaos", to_json(s.chaos->settings()).dump());
  }
  return json_reply(to_json(s.chaos->settings()));
}

acme::Result<Reply> reset(Context& ctx, ManagementServices& s) {
  if (!s.reset_state) return acme::fail(Problem::not_found("Reset is not available on this server"));
  if (auto wiped = s.reset_state(); !wiped) {
    spdlog::error("reset: {}", wiped.error().message);
    return acme::fail(Problem::server_internal("The state could not be wiped; see the server log"));
  }
  common::log_event(spdlog::level::warn, "reset", {{"request_id", ctx.request.request_id}},
                    "reset: every account, order, authorization, challenge and certificate was deleted");
  Reply reply;
  reply.status = 204;
  return reply;
}

acme::Result<Reply> log_level(Context& ctx, ManagementServices& s) {
  if (ctx.request.method == "POST") {
    auto body = json_object_body(ctx.request);
    if (!body) return acme::fail(body.error());
    auto level = body->find("level");
    std::string known;
    for (const char* l : kLevels) known += (known.empty() ? "" : ", ") + std::string(l);
    if (level == body->end() || !level->is_string()) {
      return acme::fail(Problem::malformed("\"level\" must be one of " + known));
    }
    auto name = level->get<std::string>();
    if (std::find(std::begin(kLevels), std::end(kLevels), name) == std::end(kLevels)) {
      return acme::fail(Problem::malformed("Unknown log level \"" + name + "\"; use one of " + known));
    }
    spdlog::set_level(spdlog::level::from_str(name));
    common::log_event(spdlog::level::info, "log_level_changed",
                      {{"request_id", ctx.request.request_id}, {"log_level", name}}, "log level set to {}",
                      name);
    if (s.share_setting) s.share_setting("logLevel", nlohmann::json(name).dump());
  }
  return json_reply(level_json());
}

}  // namespace cobble::api
