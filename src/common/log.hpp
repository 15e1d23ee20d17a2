#pragma once

#include <spdlog/spdlog.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

// The server's log lines (logFormat): spdlog's own text lines, or one JSON object per line.
// Formats are spdlog formatters, so every spdlog call anywhere comes out in the chosen format; call
// sites that know what happened (a request, a pause) say it with log_event, whose fields only the
// JSON format writes. Neither format ever writes an unpause token (redact_tokens).
namespace cobble::common {

enum class LogFormat {
  text,  // spdlog's default line: "[2026-12-07 18:40:12.345] [info] message"
  // {"time": "2026-12-07T18:40:12.345Z" (RFC 3339, UTC, ms), "level": "info" (spdlog's names:
  // trace, debug, info, warning, error, critical), "event": the log_event's name, else "log",
  // "message": the text line's message, then the event's fields}. Any bytes in a message or field
  // come out as valid JSON: ill-formed UTF-8 as U+FFFD, control characters escaped.
  json,
};

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> log_format_named(std::string_view name);

// A formatter writing `format`, for any spdlog logger or sink.
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);

// Every logger spdlog knows (the default one: stdout), and those made later, write `format`. Call
// at start-up, before other threads log.
void use_log_format(LogFormat format);

// One field of an event. Strings are not copied: a field lives for the log_event call only. An
// empty string is left out of the line; names are written as given (snake_case by convention) and
// a field named time, level, event or message is dropped rather than written twice.
struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  LogField(std::string_view field_name, std::string_view text) : name(field_name), value(text) {}
  LogField(std::string_view field_name, const char* text) : name(field_name), value(std::string_view(text)) {}
  LogField(std::string_view field_name, const std::string& text)
      : name(field_name), value(std::string_view(text)) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) LogField(std::string_view field_name, T number)
      : name(field_name), value(static_cast<std::int64_t>(number)) {}
  LogField(std::string_view field_name, double number) : name(field_name), value(number) {}
  LogField(std::string_view field_name, bool flag) : name(field_name), value(flag) {}

  std::string_view name;
  Value value;
};
using LogFields = std::initializer_list<LogField>;

// Writes `message` at `level` to `logger` as the event `event` with `fields`: in the text format
// the line is exactly spdlog's for `message`; in JSON, `event` and `fields` are written beside it.
void log_event_to(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view event,
                  LogFields fields, std::string_view message);

// The same to spdlog's default logger, formatting the message only when the level is enabled:
//   log_event(spdlog::level::info, "account_created", {{"account", id}, {"request_id", rid}},
//             "account {} created", id);
template <class... Args>
void log_event(spdlog::level::level_enum level, std::string_view event, LogFields fields,
               fmt::format_string<Args...> text, Args&&... args) {
  auto& logger = *spdlog::default_logger_raw();
  if (!logger.should_log(level)) return;
  log_event_to(logger, level, event, fields, fmt::format(text, std::forward<Args>(args)...));
}

// `text` with every unpause token cut out, for both formats: the value after "jwt=" (a query or a
// form field) and anything shaped like a compact JWS ("eyJ…" with a '.'), each replaced by
// "[redacted]". nullopt when there is nothing to cut (the usual case: no copy).
std::optional<std::string> redact_tokens(std::string_view text);

}  // namespace cobble::common
