#include "common/log.hpp"

#include <spdlog/pattern_formatter.h>

#include <cmath>
#include <ctime>
#include <iterator>

#include "common/text.hpp"

namespace cobble::common {
namespace {

using spdlog::memory_buf_t;
using spdlog::details::log_msg;

// A log_event writes one buffer: <message> NUL <event as a JSON string> NUL <fields> NUL. The
// payload spdlog sees is the message alone, so any formatter (spdlog's own, in tests and tools)
// writes the text line; the source location carries this marker (no spdlog call can pass its
// address, so a message cannot forge fields) and the address just past the message's NUL, where
// the rest lies. That memory lives for the logging call: a copy of the message (async loggers,
// backtraces) has its payload elsewhere, so the address no longer follows it and the copy is
// written without fields rather than read from freed memory.
constexpr char kEventMarker[] = "cobble::common::log_event";

struct Parts {
  bool is_event = false;
  std::string_view message;
  std::string_view event;   // JSON text, with its quotes
  std::string_view fields;  // JSON members, each preceded by a comma
};

Parts parts_of(const log_msg& msg) {
  std::string_view message(msg.payload.data(), msg.payload.size());
  if (msg.source.funcname != kEventMarker || msg.source.filename != message.data() + message.size() + 1)
    return {.message = message};
  std::string_view event(msg.source.filename);
  std::string_view fields(event.data() + event.size() + 1);
  return {true, message, event, fields};
}

template <class Buffer>
void append(Buffer& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

// RFC 8259 §7: quotes, backslashes and C0 controls escaped; ill-formed UTF-8 replaced (§8.1).
template <class Buffer>
void append_json_string(Buffer& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string repaired;
  if (!is_ascii(bytes)) {
    repaired = valid_utf8(bytes);
    bytes = repaired;
  }
  out.push_back('"');
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        append(out, "\\\"");
        break;
      case '\\':
        append(out, "\\\\");
        break;
      case '\n':
        append(out, "\\n");
        break;
      case '\r':
        append(out, "\\r");
        break;
      case '\t':
        append(out, "\\t");
        break;
      default:
        if (b < 0x20) {
          append(out, "\\u00");
          out.push_back(kHex[b >> 4]);
          out.push_back(kHex[b & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_field(std::string& out, const LogField& field) {
  const auto& v = field.value;
  if (const auto* text = std::get_if<std::string_view>(&v); text && text->empty()) return;
  out += ',';
  append_json_string(out, field.name);
  out += ':';
  if (const auto* text = std::get_if<std::string_view>(&v)) {
    auto redacted = redact_tokens(*text);
    append_json_string(out, redacted ? std::string_view(*redacted) : *text);
  } else if (const auto* number = std::get_if<std::int64_t>(&v)) {
    out += std::to_string(*number);
  } else if (const auto* real = std::get_if<double>(&v)) {
    out += std::isfinite(*real) ? fmt::format("{}", *real) : "null";  // JSON has no NaN or infinity
  } else {
    out += std::get<bool>(v) ? "true" : "false";
  }
}

bool reserved(std::string_view name) {
  return name == "time" || name == "level" || name == "event" || name == "message";
}

// spdlog's own line (an event's is its message), with tokens cut out.
class TextFormatter final : public spdlog::formatter {
 public:
  void format(const log_msg& msg, memory_buf_t& dest) override {
    auto redacted = redact_tokens(std::string_view(msg.payload.data(), msg.payload.size()));
    if (!redacted) return inner_.format(msg, dest);
    log_msg shown = msg;
    shown.payload = *redacted;
    inner_.format(shown, dest);
    // A color sink reads the range the pattern marked (the level) from the message it was given.
    msg.color_range_start = shown.color_range_start;
    msg.color_range_end = shown.color_range_end;
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextFormatter>(); }

 private:
  spdlog::pattern_formatter inner_;  // spdlog's default pattern, as every logger had before
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const log_msg& msg, memory_buf_t& dest) override {
    auto parts = parts_of(msg);
    auto since_epoch = msg.time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    std::time_t t = seconds.count();
    std::tm utc{};
    gmtime_r(&t, &utc);
    auto level = spdlog::level::to_string_view(msg.level);
    fmt::format_to(std::back_inserter(dest),
                   R"({{"time":"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z","level":"{}","event":)",
                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                   millis, std::string_view(level.data(), level.size()));
    if (parts.is_event) {
      append(dest, parts.event);
    } else {
      std::string_view name(msg.logger_name.data(), msg.logger_name.size());
      append_json_string(dest, name.empty() ? "log" : name);
    }
    append(dest, R"(,"message":)");
    auto redacted = redact_tokens(parts.message);
    append_json_string(dest, redacted ? std::string_view(*redacted) : parts.message);
    append(dest, parts.fields);
    append(dest, "}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

// The end of the run of token characters from `at` (percent escapes too after "jwt=": a form
// value may be encoded).
std::size_t run_end(std::string_view text, std::size_t at, bool percent) {
  while (at < text.size() && (token_char(text[at]) || (percent && (text[at] == '%' || text[at] == '~'))))
    ++at;
  return at;
}

}  // namespace

std::optional<LogFormat> log_format_named(std::string_view name) {
  if (name == "text") return LogFormat::text;
  if (name == "json") return LogFormat::json;
  return std::nullopt;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

void use_log_format(LogFormat format) { spdlog::set_formatter(make_log_formatter(format)); }

void log_event_to(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view event,
                  LogFields fields, std::string_view message) {
  if (!logger.should_log(level)) return;
  std::string line(message);
  line.reserve(message.size() + 64 * fields.size() + event.size() + 8);
  line += '\0';
  auto rest = line.size();
  append_json_string(line, event);
  line += '\0';
  for (const auto& field : fields)
    if (!reserved(field.name)) append_field(line, field);
  // The event and fields are JSON text, in which a NUL is always escaped: both parts end at theirs.
  line += '\0';
  // line 0: spdlog writes no source location for it.
  logger.log(spdlog::source_loc{line.data() + rest, 0, kEventMarker}, level,
             std::string_view(line.data(), message.size()));
}

std::optional<std::string> redact_tokens(std::string_view text) {
  std::optional<std::string> out;
  std::size_t copied = 0;  // text[0, copied) is in out already
  auto cut = [&](std::size_t from, std::size_t to) {
    if (!out) out.emplace();
    out->append(text.substr(copied, from - copied));
    *out += "[redacted]";
    copied = to;
  };
  for (std::size_t i = 0; i < text.size();) {
    if (i + 4 <= text.size() && iequals(text.substr(i, 4), "jwt=")) {
      auto end = run_end(text, i + 4, true);
      if (end > i + 4) cut(i + 4, end);
      i = end > i + 4 ? end : i + 4;
      continue;
    }
    if (text.substr(i, 3) == "eyJ") {
      auto end = run_end(text, i, false);
      if (text.substr(i, end - i).find('.') != std::string_view::npos) {
        cut(i, end);
        i = end;
        continue;
      }
    }
    ++i;
  }
  if (out) out->append(text.substr(copied));
  return out;
}

}  // namespace cobble::common
