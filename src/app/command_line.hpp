#pragma once

#include <string>
#include <vector>

namespace cobble::app {

// Pebble's Go-style flags in Cobble's spelling, so `cobble -config pebble.json -dnsserver
// 127.0.0.1:8053` works where a CI script started `pebble`: -config/--config and -dnsserver (also
// as -name=value) become --config and --dns-server, -version becomes --version, -strict is dropped
// (Cobble is always strict).
// Values and Cobble's own --flags pass unchanged, empty ones included (--management-listen "").
std::vector<std::string> translate_pebble_flags(const std::vector<std::string>& args);

}  // namespace cobble::app
