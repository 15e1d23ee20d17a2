#include "api/portal/pages.hpp"

#include <algorithm>
#include <array>

#include "common/text.hpp"

namespace cobble::api::portal {
namespace {

// Readable on a phone; inline because the CSP allows inline style (and nothing else inline).
constexpr const char* kStyle =
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;line-height:1.5;"
    "color:#1d2330;background:#f5f6f8}"
    "main{max-width:42rem;margin:0 auto;padding:1rem 1.25rem 2rem;background:#fff;min-height:100vh;"
    "box-sizing:border-box}"
    "h1{font-size:1.5rem;line-height:1.25}h2{font-size:1.15rem;margin-top:1.5rem}"
    "code{font-size:.95em;background:#eef0f3;padding:.1em .3em;border-radius:.2em;word-break:break-all}"
    "ul.ids{padding-left:1.25rem}"
    "button{font:inherit;font-weight:600;padding:.75rem 1.25rem;border:0;border-radius:.4rem;"
    "background:#0b5cad;color:#fff;cursor:pointer;width:100%;max-width:24rem}"
    "button:focus{outline:3px solid #f0a400}";

std::string with_number(std::string_view text, std::size_t n) {
  std::string out(text);
  if (auto at = out.find("{n}"); at != std::string::npos) out.replace(at, 3, std::to_string(n));
  return out;
}

std::string page(const Texts& t, std::string_view heading, std::string_view content) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"";
  out += t.tag;
  out +=
      "\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>";
  out += common::markup_escape(heading);
  out += " – ";
  out += common::markup_escape(t.title);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<main>\n<h1>";
  out += common::markup_escape(heading);
  out += "</h1>\n";
  out += content;
  out += "</main>\n</body>\n</html>\n";
  return out;
}

std::string paragraph(std::string_view text) { return "<p>" + common::markup_escape(text) + "</p>\n"; }
std::string heading2(std::string_view text) { return "<h2>" + common::markup_escape(text) + "</h2>\n"; }

}  // namespace

std::string form_page(Language language, std::int64_t account_id, const std::vector<std::string>& identifiers,
                      std::string_view action) {
  const auto& t = texts(language);
  std::string content = "<p>" + common::markup_escape(t.account) + ": <strong>" + std::to_string(account_id) +
                        "</strong></p>\n";
  content += paragraph(t.identifiers) + "<ul class=\"ids\">\n";
  for (const auto& id : identifiers) content += "<li><code>" + common::markup_escape(id) + "</code></li>\n";
  content += "</ul>\n" + heading2(t.why_heading) + paragraph(t.why);
  content += heading2(t.what_heading) + paragraph(t.what) + "<ul>\n";
  for (const auto* check : t.checks) content += "<li>" + common::markup_escape(check) + "</li>\n";
  content += "</ul>\n" + heading2(t.ready_heading) + paragraph(t.ready);
  content += "<form method=\"post\" action=\"" + common::markup_escape(action) +
             "\">\n<button id=\"submit\" type=\"submit\">" + common::markup_escape(t.button) +
             "</button>\n</form>\n";
  return page(t, t.form_heading, content);
}

std::string status_page(Language language, std::size_t count, std::size_t max_per_click) {
  const auto& t = texts(language);
  if (count == 0) return page(t, t.none_heading, paragraph(t.none));
  if (count >= max_per_click) return page(t, t.some_heading, paragraph(with_number(t.some, count)));
  return page(t, with_number(count == 1 ? t.done_one : t.done_many, count), paragraph(t.done));
}

std::string notice_page(Language language, Notice notice) {
  const auto& t = texts(language);
  const auto& [heading, text] = t.notices[static_cast<std::size_t>(notice)];
  return page(t, heading, paragraph(text));
}

}  // namespace cobble::api::portal
