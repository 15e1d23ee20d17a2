#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/portal/texts.hpp"

// The unpause portal's HTML pages (texts.hpp holds their words): every value HTML-escaped, no
// script, one inline <style> (the CSP allows inline style only). Pure functions: no I/O, never
// throw except std::bad_alloc.
namespace cobble::api::portal {

// The form behind the link in a paused client's error: account id, the link's identifiers
// ("including, but not limited to"), why and what to check, and one button POSTing to `action`
// (a same-origin URL, escaped here) that unpauses every paused identifier of the account.
std::string form_page(Language language, std::int64_t account_id, const std::vector<std::string>& identifiers,
                      std::string_view action);

// After the button: `count` identifiers were unpaused by one click, which unpauses at most
// `max_per_click`. count == 0: already unpaused; count >= max_per_click: some, click again.
std::string status_page(Language language, std::size_t count, std::size_t max_per_click);

// Pages with a heading and one paragraph.
enum class Notice {
  expired_link,    // the token expired: retry issuance for a fresh link
  invalid_link,    // any other token error, or no token
  bad_count,       // unpause-status with a count that is not a non-negative integer
  cross_origin,    // a POST from another site
  internal_error,  // storage failed while unpausing
  not_found,       // no such portal page (or method), or pausing is off
};
std::string notice_page(Language language, Notice notice);

}  // namespace cobble::api::portal
