#include "app/deployment_sync.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "authority/rate_limit_json.hpp"

namespace cobble::app {

DeploymentSync::DeploymentSync(boost::asio::io_context& io, boost::asio::any_io_executor work,
                               storage::Store& store, Targets targets, std::chrono::milliseconds period)
    : store_(store),
      targets_(targets),
      periodic_(io, std::move(work), period, "deployment settings", [this] { apply_changes(); }) {}

void DeploymentSync::share(const std::string& name, const std::string& value) {
  auto version = store_.put_deployment_setting(name, value);
  if (!version) {
    spdlog::error("setting {} changed here only: the other instances were not told ({})", name,
                  version.error().message);
    return;
  }
  std::lock_guard lock(mu_);
  written_[name] = *version;
}

void DeploymentSync::apply_changes() {
  std::lock_guard lock(mu_);
  auto changes = store_.list_deployment_settings(seen_);
  if (!changes) {
    spdlog::warn("cannot read the deployment's settings: {}", changes.error().message);
    return;
  }
  for (const auto& setting : *changes) {
    seen_ = std::max(seen_, setting.version);
    // This instance's own change (or a newer one of its own) is already in effect here.
    if (auto mine = written_.find(setting.name); mine != written_.end() && mine->second >= setting.version)
      continue;
    apply(setting);
  }
}

void DeploymentSync::apply(const storage::DeploymentSetting& setting) {
  const auto& name = setting.name;
  if (name == "clock") {
    std::int64_t micros = 0;
    auto [end, ec] =
        std::from_chars(setting.value.data(), setting.value.data() + setting.value.size(), micros);
    if (ec != std::errc() || !targets_.fake_clock) return;
    targets_.fake_clock->set(common::TimePoint(
        std::chrono::duration_cast<common::TimePoint::duration>(std::chrono::microseconds(micros))));
    spdlog::info("fake clock set to {} by another instance", common::to_rfc3339(targets_.fake_clock->now()));
    return;
  }
  auto json = nlohmann::json::parse(setting.value, nullptr, false);
  if (json.is_discarded()) {
    spdlog::warn("deployment setting {} is not JSON; ignored", name);
    return;
  }
  if (name == "logLevel" && json.is_string()) {
    auto level = json.get<std::string>();
    spdlog::set_level(spdlog::level::from_str(level));
    spdlog::info("log level set to {} by another instance", level);
  } else if (name == "chaos" && targets_.chaos) {
    auto parsed = api::parse_chaos(json);
    if (!parsed) {
      spdlog::warn("deployment setting chaos refused: {}", parsed.error().message);
      return;
    }
    targets_.chaos->set(std::move(*parsed));
    spdlog::warn("chaos settings changed by another instance: {}", setting.value);
  } else if (name.starts_with("rateLimitOverride:") && targets_.rate_limits) {
    auto parsed = authority::override_from_json(json);
    if (!parsed) {
      spdlog::warn("deployment setting {} refused: {}", name, parsed.error().message);
      return;
    }
    if (auto set = targets_.rate_limits->set_override(parsed->key, parsed->limit); !set) {
      spdlog::warn("deployment setting {} refused: {}", name, set.error().detail);
    }
  }
}

}  // namespace cobble::app
