#pragma once

#include <nlohmann/json.hpp>

#include "api/urls.hpp"
#include "authority/challenges.hpp"
#include "authority/orders.hpp"

// ACME resources as JSON (RFC 8555 §7.1.2–§7.1.5).
namespace cobble::api {

nlohmann::json render_account(const authority::Account& account, const Urls& urls);
nlohmann::json render_order(const authority::OrderView& order, const Urls& urls);
nlohmann::json render_authz(const authority::AuthzView& authz, const Urls& urls);
nlohmann::json render_challenge(const authority::Challenge& challenge, const Urls& urls);

}  // namespace cobble::api
