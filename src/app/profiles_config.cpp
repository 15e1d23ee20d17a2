#include "app/profiles_config.hpp"

#include <algorithm>

namespace cobble::app {
namespace {

constexpr long long kMaxValiditySeconds = 10LL * 366 * 24 * 3600;

std::unexpected<common::Error> bad(const std::string& name, const std::string& what) {
  return common::fail(std::errc::invalid_argument, "setting 'profiles': profile \"" + name + "\" " + what);
}

common::Result<void> read_usages(const std::string& name, const nlohmann::json& list, authority::Profile& p) {
  if (!list.is_array()) return bad(name, "'extendedKeyUsages' must be a list of strings");
  p.server_auth = p.client_auth = false;
  for (const auto& item : list) {
    std::string usage = item.is_string() ? item.get<std::string>() : "";
    if (usage == "serverAuth") {
      p.server_auth = true;
    } else if (usage == "clientAuth") {
      p.client_auth = true;
    } else {
      return bad(name, "'extendedKeyUsages' may hold \"serverAuth\" and \"clientAuth\", not " + item.dump());
    }
  }
  return {};
}

}  // namespace

common::Result<std::vector<authority::Profile>> profiles_from_json(const nlohmann::json& profiles) {
  if (!profiles.is_object()) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'profiles' must be an object of name → {description, validityPeriod}");
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
    authority::Profile p;
    p.name = name;
    for (const auto& [key, field] : value.items()) {
      if (key == "description") {
        if (!field.is_string()) return bad(name, "'description' must be a string");
        p.description = field.get<std::string>();
      } else if (key == "validityPeriod") {
        if (!field.is_number_integer() || field.get<long long>() < 1 ||
            field.get<long long>() > kMaxValiditySeconds)
          return bad(name, "'validityPeriod' must be seconds, 1 to 10 years");
        p.validity = std::chrono::seconds(field.get<long long>());
      } else if (key == "promoteCommonName") {
        if (!field.is_boolean()) return bad(name, "'promoteCommonName' must be a boolean");
        p.promote_common_name = field.get<bool>();
      } else if (key == "extendedKeyUsages") {
        if (auto r = read_usages(name, field, p); !r) return std::unexpected(r.error());
      } else {
        return bad(name, "has an unknown key '" + key +
                             "' (known: description, validityPeriod, promoteCommonName, extendedKeyUsages)");
      }
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace cobble::app
