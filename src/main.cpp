#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/admin.hpp"
#include "app/app.hpp"
#include "app/command_line.hpp"
#include "app/config.hpp"
#include "app/config_check.hpp"
#include "app/letsencrypt_preset.hpp"
#include "app/pebble_config.hpp"

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

// A `pebble` symlink (or copy) to cobble answers like Pebble without any flag.
bool invoked_as_pebble(const char* argv0) {
  std::string_view name(argv0);
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return name == "pebble";
}

}  // namespace

int run_main(int argc, char** argv) {
  using cobble::app::Config;
  if (argc > 1 && std::string_view(argv[1]) == "admin") return cobble::app::run_admin(argc - 1, argv + 1);
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
  flag("--log-format", "logFormat", "text (default) or json: one JSON object per line");
  flag("--dns-server", "dnsServer", "DNS server host:port for validation (Pebble: -dnsserver)");
  flag("--http-port", "httpPort", "port http-01 challenges are fetched from (default 80)");
  flag("--tls-port", "tlsPort", "port tls-alpn-01 challenges are checked on (default 443)");
  cli.add_flag_callback(
      "--fake-clock", [&flags] { flags["fakeClock"] = "true"; }, "ACME time moves only when told to (tests)");
  cli.add_flag("--print-default-config", print_defaults, "print the embedded defaults as JSON and exit");
  bool pebble_compat = invoked_as_pebble(argv[0]);
  cli.add_flag("--pebble-compat", pebble_compat,
               "Pebble's defaults and log lines (also when run as `pebble`); see docs/pebble-compat.md");
  bool letsencrypt = false;
  cli.add_flag("--letsencrypt", letsencrypt,
               "Let's Encrypt's production behaviour: its three profiles, key policy, pausing rate, ...");
  bool print_version = false;
  cli.add_flag("--version,-V", print_version,
               "print the version and exit (in Pebble mode as Pebble prints it)");
  cli.name(argv[0]);
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto translated = cobble::app::translate_pebble_flags(args);
    std::reverse(translated.begin(), translated.end());  // CLI11 parses a reversed vector
    cli.parse(translated);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  if (print_version) {
    // Pebble's `-version` line, which some clients' harnesses read to pick features: the Pebble
    // release whose behaviour Pebble mode follows (docs/pebble-compat.md).
    if (pebble_compat) {
      std::cout << "Pebble version: v2.10.1 (cobble " << COBBLE_VERSION << ")\n";
    } else {
      std::cout << "cobble " << COBBLE_VERSION << "\n";
    }
    return 0;
  }
  if (print_defaults) {
    std::cout << cobble::app::defaults_json().dump(2) << "\n";
    return 0;
  }
  // Precedence: defaults < preset (Pebble's or Let's Encrypt's) < file < environment < flags.
  if (pebble_compat && letsencrypt) {
    std::cerr << "cobble: --letsencrypt and Pebble mode pull opposite ways; choose one\n";
    return 2;
  }
  Config config;
  if (pebble_compat) cobble::app::apply_pebble_defaults(config);
  if (letsencrypt) cobble::app::apply_letsencrypt_preset(config);
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
  if (auto r = cobble::app::check_config(config); !r) {
    std::cerr << "cobble: " << r.error().message << "\n";
    return 2;
  }
  return cobble::app::run(config);
}

// Start-up is the one place exceptions are expected (a broken environment); none may escape main.
int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "cobble: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "cobble: failed with an unknown error\n";
  }
  return 1;
}
