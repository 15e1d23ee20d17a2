#include "validation/dns01.hpp"

#include <algorithm>
#include <string>

#include "acme/jws.hpp"

namespace cobble::validation {

namespace {

constexpr std::size_t kMaxShownRecord = 100;

}  // namespace

boost::asio::awaitable<Outcome> validate_dns01(Resolver& resolver, const Request& request) {
  // Copied before suspending: the caller's Request may not outlive the lookup.
  const std::string name = "_acme-challenge." + request.identifier.value;
  const std::string expected = acme::sha256_base64url(request.key_authorization);

  auto records = co_await resolver.lookup_txt(name);
  if (!records) {
    if (records.error().kind == DnsError::Kind::no_data) {
      co_return failed(acme::ProblemType::unauthorized, "No TXT record found at " + name);
    }
    co_return failed(acme::ProblemType::dns, "DNS problem: " + records.error().detail +
                                                 " - check that a DNS record exists for this domain");
  }
  // RFC 8555 §8.4: any one of the TXT records may carry the digest.
  if (std::ranges::find(*records, expected) != records->end()) co_return Outcome{};
  co_return failed(
      acme::ProblemType::unauthorized,
      "Incorrect TXT record \"" + records->front().substr(0, kMaxShownRecord) + "\" found at " + name);
}

}  // namespace cobble::validation
