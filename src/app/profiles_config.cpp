#include "app/profiles_config.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

namespace cobble::app {
namespace {

constexpr long long kMaxDurationSeconds = 10LL * 366 * 24 * 3600;
// Let's Encrypt allows 100; far above that an order's authorizations stop being a test of anything.
constexpr long long kMaxIdentifiersCeiling = 1000;

using Field = std::function<common::Result<void>(const nlohmann::json&, authority::Profile&)>;

common::Result<void> wrong(std::string what) { return common::fail(std::errc::invalid_argument, what); }

Field text(std::string authority::Profile::*member) {
  return [member](const nlohmann::json& v, authority::Profile& p) -> common::Result<void> {
    if (!v.is_string()) return wrong("must be a string");
    p.*member = v.get<std::string>();
    return {};
  };
}

Field flag(bool authority::Profile::*member) {
  return [member](const nlohmann::json& v, authority::Profile& p) -> common::Result<void> {
    if (!v.is_boolean()) return wrong("must be true or false");
    p.*member = v.get<bool>();
    return {};
  };
}

Field duration(std::chrono::seconds authority::Profile::*member) {
  return [member](const nlohmann::json& v, authority::Profile& p) -> common::Result<void> {
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > kMaxDurationSeconds)
      return wrong("must be seconds, 1 to 10 years");
    p.*member = std::chrono::seconds(v.get<long long>());
    return {};
  };
}

common::Result<void> read_max_identifiers(const nlohmann::json& v, authority::Profile& p) {
  if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > kMaxIdentifiersCeiling)
    return wrong("must be a number, 1 to " + std::to_string(kMaxIdentifiersCeiling));
  p.max_identifiers = v.get<std::size_t>();
  return {};
}

using Switch = std::pair<std::string_view, bool authority::Profile::*>;

// Reads a list of words, each switching on one of the profile's flags; those not listed are off.
common::Result<void> read_switches(const nlohmann::json& list, authority::Profile& p,
                                   const std::vector<Switch>& switches) {
  std::string known;
  for (const auto& [word, member] : switches) {
    p.*member = false;
    known += (known.empty() ? "\"" : ", \"") + std::string(word) + "\"";
  }
  if (!list.is_array()) return wrong("must be a list of " + known);
  for (const auto& item : list) {
    auto it = std::find_if(switches.begin(), switches.end(), [&](const auto& w) {
      return item.is_string() && item.get<std::string>() == w.first;
    });
    if (it == switches.end()) return wrong("may hold " + known + ", not " + item.dump());
    p.*(it->second) = true;
  }
  return {};
}

common::Result<void> read_usages(const nlohmann::json& v, authority::Profile& p) {
  return read_switches(
      v, p,
      {{"serverAuth", &authority::Profile::server_auth}, {"clientAuth", &authority::Profile::client_auth}});
}

common::Result<void> read_identifier_types(const nlohmann::json& v, authority::Profile& p) {
  auto read = read_switches(
      v, p, {{"dns", &authority::Profile::dns_identifiers}, {"ip", &authority::Profile::ip_identifiers}});
  if (!read) return read;
  if (!p.dns_identifiers && !p.ip_identifiers) return wrong("must name at least one type");
  return {};
}

const std::vector<std::pair<std::string_view, Field>>& fields() {
  static const std::vector<std::pair<std::string_view, Field>> table{
      {"description", text(&authority::Profile::description)},
      {"validityPeriod", duration(&authority::Profile::validity)},
      {"promoteCommonName", flag(&authority::Profile::promote_common_name)},
      {"extendedKeyUsages", read_usages},
      {"keyEncipherment", flag(&authority::Profile::key_encipherment)},
      {"subjectKeyIdentifier", flag(&authority::Profile::subject_key_identifier)},
      {"orderLifetime", duration(&authority::Profile::order_lifetime)},
      {"pendingAuthzLifetime", duration(&authority::Profile::pending_authz_lifetime)},
      {"validAuthzLifetime", duration(&authority::Profile::valid_authz_lifetime)},
      {"maxIdentifiers", read_max_identifiers},
      {"identifierTypes", read_identifier_types},
  };
  return table;
}

std::unexpected<common::Error> bad(const std::string& name, const std::string& what) {
  return common::fail(std::errc::invalid_argument, "setting 'profiles': profile \"" + name + "\" " + what);
}

}  // namespace

common::Result<std::vector<authority::Profile>> profiles_from_json(const nlohmann::json& profiles,
                                                                   const authority::Profile& base) {
  if (!profiles.is_object()) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'profiles' must be an object of name → {description, validityPeriod, ...}");
  }
  std::vector<authority::Profile> out;
  for (const auto& [name, value] : profiles.items()) {
    // Names travel in JSON and logs; keep them to what the draft's examples and Let's Encrypt use.
    if (name.empty() || name.size() > 64 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
            std::string::npos) {
      return bad(name, "has a bad name: use 1-64 letters, digits, '-', '_' or '.'");
    }
    if (!value.is_object()) return bad(name, "must be an object");
    authority::Profile p = base;
    p.name = name;
    for (const auto& [key, field] : value.items()) {
      auto known =
          std::find_if(fields().begin(), fields().end(), [&](const auto& f) { return f.first == key; });
      if (known == fields().end()) {
        std::string keys;
        for (const auto& f : fields()) keys += (keys.empty() ? "" : ", ") + std::string(f.first);
        return bad(name, "has an unknown key '" + key + "' (known: " + keys + ")");
      }
      if (auto read = known->second(field, p); !read)
        return bad(name, "'" + key + "' " + read.error().message);
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace cobble::app
