#include "validation/tls_alpn01.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>

#include "acme/identifiers.hpp"
#include "common/base64url.hpp"
#include "common/openssl.hpp"
#include "common/text.hpp"
#include "validation/source_address.hpp"
#include "validation/targets.hpp"

namespace cobble::validation {
namespace asio = boost::asio;
namespace beast = boost::beast;
using acme::Problem;
using acme::ProblemType;

namespace {

constexpr unsigned char kAlpn[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};
constexpr const char* kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

std::string sha256(std::string_view data) {
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), len);
}

// The text of an iPAddress SAN ("" when it is not 4 or 16 bytes).
std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char out[INET6_ADDRSTRLEN] = {};
  int len = ASN1_STRING_length(ip);
  if (len != 4 && len != 16) return "";
  inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), out, sizeof out);
  return out;
}

asio::awaitable<Outcome> try_address(const asio::ip::address& address, const Request& request,
                                     const TlsAlpnOptions& options,
                                     std::chrono::steady_clock::time_point deadline, bool& connected) {
  Outcome outcome;
  auto executor = co_await asio::this_coro::executor;
  std::string where = (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
                      std::to_string(options.tls_port);
  outcome.addresses.push_back(where);
  const auto& name = request.identifier.value;
  beast::tcp_stream tcp(executor);
  tcp.expires_at(deadline);
  if (auto bec = bind_source(tcp.socket(), asio::ip::tcp::endpoint(address, options.tls_port),
                             options.source_address)) {
    outcome.problem = acme::Problem::make(acme::ProblemType::server_internal,
                                          "The validation perspective cannot use source address " +
                                              options.source_address + ": " + bec.message());
    co_return outcome;
  }
  auto [cec] = co_await tcp.async_connect(asio::ip::tcp::endpoint(address, options.tls_port),
                                          asio::as_tuple(asio::use_awaitable));
  connected = !cec;
  if (cec) {
    std::string why = cec == beast::error::timeout ? "Timeout during connect (likely firewall problem)"
                      : cec == asio::error::connection_refused ? "Connection refused"
                                                               : cec.message();
    outcome.problem =
        Problem::make(ProblemType::connection, "Connecting to " + where + " for " + name + ": " + why);
    co_return outcome;
  }
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);  // RFC 8737: the certificate is self-signed
  SSL_CTX_set_alpn_protos(tls.native_handle(), kAlpn, sizeof kAlpn);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
  // RFC 8738 §6: an IP identifier's SNI is its reverse-DNS name (IP literals are not valid SNI).
  const std::string sni = request.identifier.type == "ip" ? acme::reverse_dns_name(name) : name;
  SSL_set_tlsext_host_name(stream.native_handle(), sni.c_str());
  auto [hec] =
      co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (hec) {
    outcome.problem = Problem::make(
        ProblemType::tls, "TLS handshake with " + where + " for " + name +
                              " failed: " + (hec == beast::error::timeout ? "timeout" : hec.message()));
    co_return outcome;
  }
  const unsigned char* proto = nullptr;
  unsigned int proto_len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &proto, &proto_len);
  if (std::string_view(reinterpret_cast<const char*>(proto), proto_len) != "acme-tls/1") {
    outcome.problem = Problem::make(ProblemType::tls, "Cannot negotiate ALPN protocol \"acme-tls/1\" with " +
                                                          where + " for tls-alpn-01 challenge of " + name);
    co_return outcome;
  }
  common::ossl::Cert cert(SSL_get1_peer_certificate(stream.native_handle()));
  auto wrong = cert ? certificate_problem(cert.get(), request.identifier, request.key_authorization)
                    : "no certificate was presented";
  if (!wrong.empty()) {
    outcome.problem = Problem::make(ProblemType::unauthorized,
                                    "Incorrect validation certificate for tls-alpn-01 "
                                    "challenge from " +
                                        where + ": " + wrong);
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  co_return outcome;
}

}  // namespace

std::string certificate_problem(X509* cert, const acme::Identifier& identifier,
                                const std::string& key_authorization) {
  const std::string& name = identifier.value;
  const bool ip = identifier.type == "ip";
  common::ossl::GeneralNames sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  std::string names;
  int matches = 0, others = 0;
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
    if (gn->type == GEN_IPADD) {
      auto text = ip_text(gn->d.iPAddress);
      names += (names.empty() ? "" : ", ") + (text.empty() ? std::string("a malformed IP address") : text);
      (ip && text == name) ? ++matches : ++others;
    } else if (gn->type == GEN_DNS) {
      std::string dns(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                      static_cast<std::size_t>(ASN1_STRING_length(gn->d.dNSName)));
      names += (names.empty() ? "" : ", ") + common::printable(dns);
      (!ip && common::ascii_lower(dns) == name) ? ++matches : ++others;
    } else {
      ++others;
    }
  }
  if (matches != 1 || others != 0) {
    return "the certificate must name exactly " + std::string(ip ? "the IP address " : "") + name +
           " (it names " + (names.empty() ? "nothing" : names) + ")";
  }
  common::ossl::Asn1Object oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
  int index = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (index < 0) return "the certificate has no acmeIdentifier extension";
  X509_EXTENSION* ext = X509_get_ext(cert, index);
  if (!X509_EXTENSION_get_critical(ext)) return "the acmeIdentifier extension is not critical";
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  const unsigned char* p = ASN1_STRING_get0_data(value);
  common::ossl::Asn1OctetString inner(d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(value)));
  auto expected = sha256(key_authorization);
  if (!inner || std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(inner.get())),
                            static_cast<std::size_t>(ASN1_STRING_length(inner.get()))) != expected) {
    return "the acmeIdentifier extension does not hold SHA-256 of the key authorization (expected " +
           common::hex_encode(expected) + ")";
  }
  return "";
}

asio::awaitable<Outcome> validate_tls_alpn01(Resolver& resolver, const Request& request,
                                             const TlsAlpnOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto addresses = co_await addresses_to_try(resolver, request.identifier.value, options.policy);
  if (!addresses) co_return Outcome{addresses.error(), {}, {}};
  Outcome combined;
  for (const auto& address : *addresses) {
    bool connected = false;
    auto outcome = co_await try_address(address, request, options, deadline, connected);
    combined.addresses.insert(combined.addresses.end(), outcome.addresses.begin(), outcome.addresses.end());
    combined.problem = outcome.problem;
    if (connected) break;  // fall back to the next address only when this one did not connect
  }
  co_return combined;
}

}  // namespace cobble::validation
