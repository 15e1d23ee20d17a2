#pragma once

#include <string_view>

// The operator dashboard's files (src/api/management/dashboard/), compiled in at build time by
// cmake/embed_dashboard.cmake.
namespace cobble::api::dashboard_assets {

extern const std::string_view kPage;    // index.html
extern const std::string_view kScript;  // app.js
extern const std::string_view kStyle;   // style.css

}  // namespace cobble::api::dashboard_assets
