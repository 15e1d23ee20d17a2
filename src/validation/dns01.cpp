#include "validation/dns01.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <string>

#include "acme/jws.hpp"
#include "common/text.hpp"

namespace cobble::validation {

Outcome txt_lookup_failed(const DnsError& error, const std::string& name) {
  if (error.kind == DnsError::Kind::no_data)
    return failed(acme::ProblemType::unauthorized, "No TXT record found at " + name);
  return failed(acme::ProblemType::dns,
                "DNS problem: " + error.detail + " - check that a DNS record exists for this domain");
}

namespace {

constexpr std::size_t kMaxShownRecord = 100;

// Passes when a TXT record at `name` equals `expected`. Arguments by value: they outlive suspension.
boost::asio::awaitable<Outcome> txt_digest_present(Resolver& resolver, std::string name,
                                                   std::string expected) {
  auto records = co_await resolver.lookup_txt(name);
  if (!records) {
    co_return txt_lookup_failed(records.error(), name);
  }
  // RFC 8555 §8.4: any one of the TXT records may carry the digest.
  if (std::ranges::find(*records, expected) != records->end()) co_return Outcome{};
  co_return failed(acme::ProblemType::unauthorized, "Incorrect TXT record \"" +
                                                        common::printable(records->front(), kMaxShownRecord) +
                                                        "\" found at " + name);
}

std::string base32_lower(const unsigned char* data, std::size_t size) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

}  // namespace

std::string dns_account01_name(std::string_view account_url, std::string_view domain) {
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_Digest(account_url.data(), account_url.size(), digest, &len, EVP_sha256(), nullptr);
  // Ten bytes are 80 bits: exactly 16 base32 characters, no padding.
  return "_" + base32_lower(digest, 10) + "._acme-challenge." + std::string(domain);
}

boost::asio::awaitable<Outcome> validate_dns01(Resolver& resolver, const Request& request) {
  return txt_digest_present(resolver, "_acme-challenge." + request.identifier.value,
                            acme::sha256_base64url(request.key_authorization));
}

boost::asio::awaitable<Outcome> validate_dns_account01(Resolver& resolver, const Request& request) {
  if (request.account_url.empty()) {
    return []() -> boost::asio::awaitable<Outcome> {
      co_return failed(acme::ProblemType::server_internal,
                       "The CA does not know the account URL this dns-account-01 challenge needs");
    }();
  }
  return txt_digest_present(resolver, dns_account01_name(request.account_url, request.identifier.value),
                            acme::sha256_base64url(request.key_authorization));
}

}  // namespace cobble::validation
