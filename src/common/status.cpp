#include "common/status.hpp"

#include <array>
#include <utility>

namespace cobble::common {
namespace {

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
  for (const auto& [e, name] : table)
    if (name == s) return e;
  return std::nullopt;
}

constexpr std::array<std::pair<AccountStatus, std::string_view>, 3> kAccount{
    {{AccountStatus::valid, "valid"},
     {AccountStatus::deactivated, "deactivated"},
     {AccountStatus::revoked, "revoked"}}};
constexpr std::array<std::pair<OrderStatus, std::string_view>, 5> kOrder{
    {{OrderStatus::pending, "pending"},
     {OrderStatus::ready, "ready"},
     {OrderStatus::processing, "processing"},
     {OrderStatus::valid, "valid"},
     {OrderStatus::invalid, "invalid"}}};
constexpr std::array<std::pair<AuthzStatus, std::string_view>, 6> kAuthz{
    {{AuthzStatus::pending, "pending"},
     {AuthzStatus::valid, "valid"},
     {AuthzStatus::invalid, "invalid"},
     {AuthzStatus::deactivated, "deactivated"},
     {AuthzStatus::expired, "expired"},
     {AuthzStatus::revoked, "revoked"}}};
constexpr std::array<std::pair<ChallengeStatus, std::string_view>, 4> kChallenge{
    {{ChallengeStatus::pending, "pending"},
     {ChallengeStatus::processing, "processing"},
     {ChallengeStatus::valid, "valid"},
     {ChallengeStatus::invalid, "invalid"}}};

}  // namespace

std::string_view to_string(AccountStatus s) { return name_of(kAccount, s); }
std::string_view to_string(OrderStatus s) { return name_of(kOrder, s); }
std::string_view to_string(AuthzStatus s) { return name_of(kAuthz, s); }
std::string_view to_string(ChallengeStatus s) { return name_of(kChallenge, s); }

std::optional<AccountStatus> parse_account_status(std::string_view s) { return parse(kAccount, s); }
std::optional<OrderStatus> parse_order_status(std::string_view s) { return parse(kOrder, s); }
std::optional<AuthzStatus> parse_authz_status(std::string_view s) { return parse(kAuthz, s); }
std::optional<ChallengeStatus> parse_challenge_status(std::string_view s) { return parse(kChallenge, s); }

}  // namespace cobble::common
