#pragma once

#include <cstdint>
#include <string>

namespace cobble::api {

// Every ACME path Cobble serves, in one place. URLs are absolute, built on the base URL the client
// used (api::Request::base_url: externalUrl, a trusted proxy's word, or scheme + Host), as RFC 8555
// requires absolute URLs in directory and resources.
namespace paths {
inline constexpr const char* kDirectory = "/dir";
inline constexpr const char* kDirectoryAlias = "/directory";
inline constexpr const char* kNewNonce = "/acme/new-nonce";
inline constexpr const char* kNewAccount = "/acme/new-account";
inline constexpr const char* kNewOrder = "/acme/new-order";
inline constexpr const char* kRevokeCert = "/acme/revoke-cert";
inline constexpr const char* kKeyChange = "/acme/key-change";
inline constexpr const char* kAccount = "/acme/acct/";
inline constexpr const char* kOrder = "/acme/order/";
inline constexpr const char* kAuthz = "/acme/authz/";
inline constexpr const char* kChallenge = "/acme/chall/";
inline constexpr const char* kCertificate = "/acme/cert/";
inline constexpr const char* kRenewalInfo = "/acme/renewal-info";  // RFC 9773; + "/<certID>"
inline constexpr const char* kRenewalInfoPrefix = "/acme/renewal-info/";
inline constexpr const char* kCrl = "/crl/";  // + "0": every revocation; + "<k>.crl": shard k
}  // namespace paths

class Urls {
 public:
  explicit Urls(std::string base) : base_(std::move(base)) {}
  const std::string& base() const { return base_; }
  std::string directory() const { return base_ + paths::kDirectory; }
  std::string new_nonce() const { return base_ + paths::kNewNonce; }
  std::string new_account() const { return base_ + paths::kNewAccount; }
  std::string new_order() const { return base_ + paths::kNewOrder; }
  std::string revoke_cert() const { return base_ + paths::kRevokeCert; }
  std::string key_change() const { return base_ + paths::kKeyChange; }
  std::string account(std::int64_t id) const { return base_ + paths::kAccount + std::to_string(id); }
  std::string account_orders(std::int64_t id) const { return account(id) + "/orders"; }
  std::string order(const std::string& id) const { return base_ + paths::kOrder + id; }
  std::string finalize(const std::string& id) const { return order(id) + "/finalize"; }
  std::string authz(const std::string& id) const { return base_ + paths::kAuthz + id; }
  std::string challenge(const std::string& id) const { return base_ + paths::kChallenge + id; }
  std::string certificate(const std::string& serial) const { return base_ + paths::kCertificate + serial; }
  std::string renewal_info() const { return base_ + paths::kRenewalInfo; }

 private:
  std::string base_;
};

}  // namespace cobble::api
