#include "app/perspectives_config.hpp"

#include <boost/asio/ip/address.hpp>
#include <set>

namespace cobble::app {
namespace {

std::unexpected<common::Error> bad(const std::string& what) {
  return common::fail(std::errc::invalid_argument, "setting 'vaRemotePerspectives': " + what);
}

common::Result<std::vector<validation::Perspective>> parse(const nlohmann::json& list) {
  if (!list.is_array()) return bad("must be a list of {\"name\", \"rir\", \"sourceAddress\"}");
  std::vector<validation::Perspective> out;
  std::set<std::string> names{"primary"};
  for (const auto& item : list) {
    if (!item.is_object()) return bad("each entry must be an object, not " + item.dump());
    validation::Perspective p;
    for (const auto& [key, value] : item.items()) {
      if (!value.is_string()) return bad("'" + key + "' must be a string in " + item.dump());
      auto text = value.get<std::string>();
      if (key == "name") {
        p.name = text;
      } else if (key == "rir") {
        p.rir = text;
      } else if (key == "sourceAddress") {
        boost::system::error_code ec;
        boost::asio::ip::make_address(text, ec);
        if (ec) return bad("'sourceAddress' \"" + text + "\" is not an IP address");
        p.source_address = text;
      } else {
        return bad("unknown key '" + key + "' (known: name, rir, sourceAddress)");
      }
    }
    if (p.name.empty()) return bad("every entry needs a \"name\": " + item.dump());
    if (!names.insert(p.name).second)
      return bad("the name \"" + p.name + "\" is used twice (or is \"primary\")");
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

common::Result<void> check_remote_perspectives(const nlohmann::json& list) {
  auto parsed = parse(list);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

common::Result<validation::Corroboration> corroboration_from(const Config& config) {
  validation::Corroboration rule;
  auto parsed = parse(config.va_remote_perspectives);
  if (!parsed) return std::unexpected(parsed.error());
  rule.remotes = std::move(*parsed);
  if (!rule.remotes.empty() && config.va_perspectives != 1 &&
      static_cast<std::size_t>(config.va_perspectives) != 1 + rule.remotes.size()) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'vaPerspectives' (" + std::to_string(config.va_perspectives) +
                            ") disagrees with the " + std::to_string(rule.remotes.size()) +
                            " named vaRemotePerspectives: leave it at 1 or make it " +
                            std::to_string(1 + rule.remotes.size()));
  }
  if (rule.remotes.empty()) {
    for (int i = 1; i < config.va_perspectives; ++i)
      rule.remotes.push_back({"remote-" + std::to_string(i), "", ""});
  }
  if (config.va_remote_quorum < 0 ||
      static_cast<std::size_t>(config.va_remote_quorum) > rule.remotes.size()) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'vaRemoteQuorum' must be 0 (all) to the number of remote "
                        "perspectives (" +
                            std::to_string(rule.remotes.size()) + ")");
  }
  rule.quorum = static_cast<std::size_t>(config.va_remote_quorum);
  return rule;
}

std::size_t perspective_count(const Config& config) {
  auto rule = corroboration_from(config);
  return 1 + (rule ? rule->remotes.size() : 0);
}

}  // namespace cobble::app
