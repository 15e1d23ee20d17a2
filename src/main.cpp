#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>

#include "app/app.hpp"
#include "app/config.hpp"

extern char** environ;

namespace {

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  using cobble::app::Config;
  CLI::App cli{"Cobble: an ACME certificate authority for tests, CI and staging"};
  std::string config_file;
  std::map<std::string, std::string> flags;  // setting key → text
  bool print_defaults = false;
  cli.add_option("-c,--config", config_file, "JSON configuration file (see config/cobble.json)");
  auto flag = [&](const char* name, const char* key, const char* help) {
    cli.add_option_function<std::string>(
        name, [&flags, key](const std::string& v) { flags[key] = v; }, help);
  };
  flag("--listen", "listenAddress", "ACME HTTPS listener, host:port (default 127.0.0.1:14000)");
  flag("--plain-listen", "plainListenAddress", "ACME plain-HTTP listener, host:port (default off)");
  flag("--management-listen", "managementListenAddress", "management listener (default 127.0.0.1:15000)");
  flag("--data-dir", "dataDir", "data directory (default data)");
  flag("--database", "database", "SQLite file (default <data-dir>/cobble.db)");
  flag("--log-level", "logLevel", "trace, debug, info, warn, error, off");
  cli.add_flag_callback(
      "--fake-clock", [&flags] { flags["fakeClock"] = "true"; }, "ACME time moves only when told to (tests)");
  cli.add_flag("--print-default-config", print_defaults, "print the embedded defaults as JSON and exit");
  CLI11_PARSE(cli, argc, argv);

  if (print_defaults) {
    std::cout << cobble::app::defaults_json().dump(2) << "\n";
    return 0;
  }
  // Precedence: defaults < file < environment < flags.
  Config config;
  if (!config_file.empty()) {
    if (auto r = cobble::app::apply_file(config, config_file); !r) {
      std::cerr << "cobble: " << r.error().message << "\n";
      return 2;
    }
  }
  if (auto r = cobble::app::apply_env(config, environment()); !r) {
    std::cerr << "cobble: " << r.error().message << "\n";
    return 2;
  }
  for (const auto& [key, text] : flags) {
    if (auto r = cobble::app::apply_text(config, key, text); !r) {
      std::cerr << "cobble: " << r.error().message << "\n";
      return 2;
    }
  }
  return cobble::app::run(config);
}
