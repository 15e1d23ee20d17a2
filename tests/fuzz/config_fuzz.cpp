// The configuration file (Cobble's keys and Pebble's format), settings given as text (flags and
// environment), and the nested objects they hold (profiles, chaos).
#include "app/config.hpp"
#include "app/pebble_config.hpp"
#include "fuzz_input.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = fuzz::as_text(data, size);
  app::Config config;
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_discarded()) {
    if (app::is_pebble_config(json)) {
      auto translated = app::translate_pebble_config(json["pebble"]);
      (void)app::apply_json(config, translated.settings);
    }
    (void)app::apply_json(config, json);
  }
  // "key=value" lines, as flags and COBBLE_* variables give them.
  std::map<std::string, std::string> env;
  for (auto line : fuzz::split(text, '\n', 16)) {
    auto parts = fuzz::split(line, '=', 2);
    if (parts.size() != 2) continue;
    (void)app::apply_text(config, std::string(parts[0]), std::string(parts[1]));
    env[std::string(parts[0])] = std::string(parts[1]);
  }
  (void)app::apply_env(config, env);
  (void)app::split_host_port(std::string(text));
  return 0;
}
