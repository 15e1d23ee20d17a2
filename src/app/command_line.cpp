#include "app/command_line.hpp"

#include <string_view>

namespace cobble::app {

std::vector<std::string> translate_pebble_flags(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& arg : args) {
    bool flag = arg.size() > 1 && arg.front() == '-';
    bool pebble_double = arg.starts_with("--dnsserver") || arg.starts_with("--strict") || arg == "--version";
    if (!flag || (arg.starts_with("--") && !pebble_double)) {
      out.push_back(arg);
      continue;
    }
    std::string_view name = std::string_view(arg).substr(arg.starts_with("--") ? 2 : 1);
    auto eq = name.find('=');
    std::string value = eq == std::string_view::npos ? "" : std::string(name.substr(eq + 1));
    name = name.substr(0, eq);
    if (name == "strict") continue;
    if (name == "version") {
      out.push_back("--version");
      continue;
    }
    if (name == "config" || name == "dnsserver") {
      out.push_back(name == "config" ? "--config" : "--dns-server");
      if (eq != std::string_view::npos) out.push_back(value);
      continue;
    }
    out.push_back(arg);
  }
  return out;
}

}  // namespace cobble::app
