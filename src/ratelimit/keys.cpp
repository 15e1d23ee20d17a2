#include "ratelimit/keys.hpp"

#include <arpa/inet.h>
#include <libpsl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <optional>

#include "common/base64url.hpp"
#include "common/text.hpp"

namespace cobble::ratelimit {

struct RegisteredDomains::Psl {
  psl_ctx_t* ctx = nullptr;
  ~Psl() { psl_free(ctx); }  // a no-op for the built-in list
};

RegisteredDomains::RegisteredDomains() : psl_(std::make_unique<Psl>()) {
  psl_->ctx = psl_latest(nullptr);
  if (psl_->ctx == nullptr) psl_->ctx = const_cast<psl_ctx_t*>(psl_builtin());
}

RegisteredDomains::~RegisteredDomains() = default;

std::string RegisteredDomains::registered_domain(const std::string& name) const {
  std::string base = name.starts_with("*.") ? name.substr(2) : name;
  if (psl_->ctx == nullptr) return base;
  const char* registrable = psl_registrable_domain(psl_->ctx, base.c_str());
  return registrable == nullptr ? base : std::string(registrable);
}

namespace {

std::string strip_wildcard(const std::string& value) {
  return value.starts_with("*.") ? value.substr(2) : value;
}

// The first `bits` of an IPv6 address as "prefix/bits" text; nullopt unless `address` is IPv6.
std::optional<std::string> ipv6_prefix(const std::string& address, int bits) {
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, address.c_str(), bytes.data()) != 1) return std::nullopt;
  for (int i = bits / 8; i < 16; ++i) bytes[static_cast<std::size_t>(i)] = 0;
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(bits);
}

bool is_ipv4(const std::string& address) {
  std::array<unsigned char, 4> bytes{};
  return inet_pton(AF_INET, address.c_str(), bytes.data()) == 1;
}

std::string sha256_hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return common::hex_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), size));
}

}  // namespace

std::string BucketKey::text() const { return std::string(to_string(limit)) + ":" + id; }

BucketKey registrations_per_ip(const std::string& address) {
  return {LimitName::new_registrations_per_ip_address, address};
}

std::optional<BucketKey> registrations_per_ipv6_range(const std::string& address) {
  auto prefix = ipv6_prefix(address, 48);
  if (!prefix) return std::nullopt;
  return BucketKey{LimitName::new_registrations_per_ipv6_range, *prefix};
}

BucketKey orders_per_account(std::int64_t account_id) {
  return {LimitName::new_orders_per_account, std::to_string(account_id)};
}

BucketKey failed_authorizations(std::int64_t account_id, const Identifier& identifier) {
  return {LimitName::failed_authorizations_per_domain_per_account,
          std::to_string(account_id) + ":" + common::ascii_lower(strip_wildcard(identifier.value))};
}

std::vector<BucketKey> certificates_per_domain(const RegisteredDomains& domains,
                                               const std::vector<Identifier>& identifiers) {
  std::vector<BucketKey> keys;
  for (const auto& identifier : identifiers) {
    std::string id;
    if (identifier.type == "ip") {
      id = is_ipv4(identifier.value) ? identifier.value + "/32"
                                     : ipv6_prefix(identifier.value, 64).value_or(identifier.value);
    } else {
      id = domains.registered_domain(common::ascii_lower(identifier.value));
    }
    BucketKey key{LimitName::certificates_per_domain, std::move(id)};
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  }
  return keys;
}

BucketKey certificates_per_fqdn_set(const std::vector<Identifier>& identifiers) {
  std::vector<std::string> values;
  for (const auto& identifier : identifiers) values.push_back(common::ascii_lower(identifier.value));
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::string joined;
  for (const auto& value : values) joined += (joined.empty() ? "" : ",") + value;
  return {LimitName::certificates_per_fqdn_set, sha256_hex(joined)};
}

}  // namespace cobble::ratelimit
