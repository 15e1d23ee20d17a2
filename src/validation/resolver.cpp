#include "validation/resolver.hpp"

#include <arpa/nameser.h>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <string_view>

#include "validation/cares_channel.hpp"
#include "validation/dns_answers.hpp"

// The Resolver's lookups: which queries each sends over the c-ares channel (cares_channel.hpp) and
// how their answers become addresses, TXT or CAA records, or an error a person can read.
namespace cobble::validation {

namespace asio = boost::asio;

namespace {

// Not inline in the coroutines: g++ 12 rejects an initializer_list inside a co_await expression.
template <class... T>
std::vector<int> types_of(T... types) {
  return std::vector<int>{types...};
}

// The addresses of one answer, or its failure as a c-ares status (ARES_ENODATA when none).
struct AddressAnswer {
  std::vector<asio::ip::address> addresses;
  int status = ARES_SUCCESS;
};

AddressAnswer address_answer(const cares::QueryAnswer& answer, bool ipv6, const std::string& name) {
  if (answer.status != ARES_SUCCESS) return {{}, answer.status};
  auto parsed = dns_answers::addresses(answer.message, ipv6, name);
  if (parsed) return {std::move(*parsed), ARES_SUCCESS};
  return {{}, parsed.error().kind == DnsError::Kind::no_data ? ARES_ENODATA : ARES_EBADRESP};
}

asio::awaitable<DnsResult<std::vector<asio::ip::address>>> lookup_addresses(
    std::shared_ptr<cares::Channel> channel, std::string name) {
  const cares::Answers answers =
      co_await cares::Channel::query(std::move(channel), name, types_of(ns_t_aaaa, ns_t_a));
  auto v6 = address_answer(answers[0], true, name);
  auto v4 = address_answer(answers[1], false, name);
  auto addresses = std::move(v6.addresses);
  addresses.insert(addresses.end(), v4.addresses.begin(), v4.addresses.end());
  if (!addresses.empty()) co_return addresses;

  const std::string no_data = "No A or AAAA records found for " + name;
  // Both failed. NXDOMAIN from either wins; then A's real failure, then AAAA's; else no data.
  if (v4.status == ARES_ENOTFOUND || (v6.status != ARES_ENOTFOUND && v4.status != ARES_ENODATA)) {
    co_return std::unexpected(dns_answers::error_for(v4.status, "A", name, no_data));
  }
  co_return std::unexpected(dns_answers::error_for(v6.status, "AAAA", name, no_data));
}

asio::awaitable<DnsResult<std::vector<std::string>>> lookup_txt(std::shared_ptr<cares::Channel> channel,
                                                                std::string name) {
  const cares::Answers answers = co_await cares::Channel::query(std::move(channel), name, types_of(ns_t_txt));
  const cares::QueryAnswer& answer = answers[0];
  if (answer.status != ARES_SUCCESS) {
    co_return std::unexpected(
        dns_answers::error_for(answer.status, "TXT", name, "No TXT records found for " + name));
  }
  co_return dns_answers::txt_records(answer.message, name);
}

asio::awaitable<DnsResult<std::vector<CaaRecord>>> lookup_caa(std::shared_ptr<cares::Channel> channel,
                                                              std::string name) {
  const cares::Answers answers = co_await cares::Channel::query(std::move(channel), name, types_of(ns_t_caa));
  const cares::QueryAnswer& answer = answers[0];
  if (answer.status != ARES_SUCCESS) {
    co_return std::unexpected(
        dns_answers::error_for(answer.status, "CAA", name, "No CAA records found for " + name));
  }
  co_return dns_answers::caa_records(answer.message, name);
}

}  // namespace

struct Resolver::Impl {
  std::shared_ptr<cares::Channel> channel;
};

Resolver::Resolver(boost::asio::any_io_executor executor, Options options)
    : impl_(std::make_shared<Impl>(Impl{std::make_shared<cares::Channel>(std::move(executor), options)})) {}

// Never touches the channel here: the shutdown runs on its strand, after any query queued before it.
Resolver::~Resolver() { cares::Channel::shut_down_later(std::move(impl_->channel)); }

// Each lookup takes its own reference to the channel when called, so the coroutine stays safe even
// if the Resolver is destroyed while it is suspended (it then completes with an "other" error).
asio::awaitable<DnsResult<std::vector<asio::ip::address>>> Resolver::lookup_addresses(std::string name) {
  return validation::lookup_addresses(impl_->channel, std::move(name));
}

asio::awaitable<DnsResult<std::vector<std::string>>> Resolver::lookup_txt(std::string name) {
  return validation::lookup_txt(impl_->channel, std::move(name));
}

asio::awaitable<DnsResult<std::vector<CaaRecord>>> Resolver::lookup_caa(std::string name) {
  return validation::lookup_caa(impl_->channel, std::move(name));
}

}  // namespace cobble::validation
