// Writes the seed corpora of testdata/fuzz/<target>/ (make fuzz-seeds): valid inputs for each
// parser, made with the same builders the unit tests use (JWS signing, CSRs, unpause tokens, DNS
// messages, tls-alpn-01 certificates), plus the RFC 7515 / 8037 vectors and the near misses a
// fuzzer would take long to find. Inputs a fuzzer found are added beside them, never rewritten.
// Usage: fuzz-seeds TESTDATA_FUZZ_DIR
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "acme/eab.hpp"
#include "acme/jws.hpp"
#include "ca/csr_builder.hpp"
#include "challsrv/dns_wire.hpp"
#include "challsrv/tlsalpn01_cert.hpp"
#include "common/base64url.hpp"
#include "pause/unpause_token.hpp"

using namespace cobble;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path root;

void seed(const std::string& target, const std::string& name, std::string_view bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string jws_for(const acme::PrivateKey& key, const std::string& url, const std::string& payload,
                    bool jwk) {
  json header = {{"nonce", "bm9uY2Vub25jZW5vbmNl"}, {"url", url}};
  if (jwk) {
    header["jwk"] = key.public_key().to_jwk();
  } else {
    header["kid"] = "https://ca.fuzz:14000/acme/acct/1";
  }
  return acme::sign_jws(key, header, payload);
}

// A DNS query: header, one question, optionally an OPT record.
std::string dns_query(const std::string& name, std::uint16_t type, bool edns) {
  std::string out = {'\x12', '\x34', '\x01', '\x00', '\x00', '\x01',
                     '\x00', '\x00', '\x00', '\x00', '\x00', static_cast<char>(edns ? 1 : 0)};
  out += challsrv::dns::encode_name(name).value();
  out += {static_cast<char>(type >> 8), static_cast<char>(type & 0xff), '\x00', '\x01'};
  if (edns) out += std::string("\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
  return out;
}

// A DNS answer for `name` of `type` with `rdatas`, as a server sends it.
std::string dns_answer(const std::string& name, std::uint16_t type, const std::vector<std::string>& rdatas) {
  challsrv::dns::ParsedQuery query;
  query.query.id = 0x1234;
  query.query.flags = 0x0100;
  query.query.name = name;
  query.query.qtype = type;
  query.query.qclass = challsrv::dns::kClassIn;
  challsrv::dns::Response response;
  for (const auto& rdata : rdatas) response.answers.push_back({name, type, 60, rdata});
  return challsrv::dns::encode_response(query, response, 65535);
}

std::string der_of(X509* cert) {
  unsigned char* out = nullptr;
  int n = i2d_X509(cert, &out);
  std::string der(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return der;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz-seeds TESTDATA_FUZZ_DIR\n";
    return 2;
  }
  root = argv[1];
  const std::string base = "https://ca.fuzz:14000";
  auto es256 = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
  auto rs256 = acme::PrivateKey::generate(acme::PrivateKey::Kind::rs256);
  auto eddsa = acme::PrivateKey::generate(acme::PrivateKey::Kind::eddsa);
  auto es384 = acme::PrivateKey::generate(acme::PrivateKey::Kind::es384);

  // jws: accounts' requests in each algorithm, an EAB, and RFC 7515 A.3 / RFC 8037 shapes.
  seed("jws", "es256-jwk-new-account",
       jws_for(es256, base + "/acme/new-account", R"({"termsOfServiceAgreed":true})", true));
  seed("jws", "rs256-jwk",
       jws_for(rs256, base + "/acme/new-account", R"({"contact":["mailto:a@b.example"]})", true));
  seed("jws", "eddsa-jwk", jws_for(eddsa, base + "/acme/new-account", "{}", true));
  seed("jws", "es384-kid-post-as-get", jws_for(es384, base + "/acme/order/x", "", false));
  auto eab = acme::sign_external_account_binding("kid-1", "fuzz-mac-key", es256.public_key(),
                                                 base + "/acme/new-account");
  seed("jws", "es256-eab",
       jws_for(es256, base + "/acme/new-account",
               json{{"termsOfServiceAgreed", true}, {"externalAccountBinding", eab}}.dump(), true));
  seed(
      "jws", "rfc7515-a3-shape",
      R"({"protected":"eyJhbGciOiJFUzI1NiJ9","payload":"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ","signature":"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"})");
  seed("jws", "compact", "\"eyJhbGciOiJFUzI1NiJ9.e30.c2ln\"");

  // csr: keys of each kind, IP and DNS SANs, a CN; and a certificate (revocation's input).
  auto csr = [](const acme::PrivateKey& key, const std::vector<std::string>& names,
                const std::string& cn = "") { return ca::make_csr_der(key.native(), names, cn).value(); };
  seed("csr", "es256-two-names", csr(es256, {"www.example.com", "example.com"}));
  seed("csr", "rsa-cn", csr(rs256, {"cn.example.com"}, "cn.example.com"));
  seed("csr", "eddsa-ip", csr(eddsa, {"192.0.2.1", "2001:db8::1"}));
  seed("csr", "es384-wildcard", csr(es384, {"*.example.com"}));
  auto p256 = challsrv::generate_p256_key();
  auto alpn_cert = challsrv::make_challenge_cert("tls.example.com", "token.thumbprint", p256.get()).value();
  seed("csr", "certificate", der_of(alpn_cert.get()));

  // tls_alpn01_cert: challenge certificates for a name and for an address.
  seed("tls_alpn01_cert", "dns", der_of(alpn_cert.get()));
  auto ip_cert =
      challsrv::make_challenge_cert("1.0.0.127.in-addr.arpa", "token.thumbprint", p256.get()).value();
  seed("tls_alpn01_cert", "ip", der_of(ip_cert.get()));

  // acme_api: the first byte picks the endpoint (acme_api_fuzz.cpp), the rest is the payload.
  auto api = [](char endpoint, const std::string& payload) { return std::string(1, endpoint) + payload; };
  seed("acme_api", "0-new-account",
       api(0, R"({"termsOfServiceAgreed":true,"contact":["mailto:admin@example.com"]})"));
  seed("acme_api", "0-only-existing", api(0, R"({"onlyReturnExisting":true})"));
  seed("acme_api", "1-account-update", api(1, R"({"contact":["mailto:new@example.com"]})"));
  seed("acme_api", "1-deactivate", api(1, R"({"status":"deactivated"})"));
  seed("acme_api", "2-orders", api(2, ""));
  seed("acme_api", "3-new-order",
       api(3,
           R"({"identifiers":[{"type":"dns","value":"a.example.com"},{"type":"ip","value":"192.0.2.7"}]})"));
  seed(
      "acme_api", "3-new-order-window",
      api(3,
          R"({"identifiers":[{"type":"dns","value":"*.w.example"}],"notBefore":"2030-01-01T00:00:00Z","notAfter":"2030-02-01T00:00:00Z","profile":"default"})"));
  seed("acme_api", "4-order", api(4, ""));
  seed("acme_api", "5-finalize",
       api(5, json{{"csr", common::base64url_encode(csr(es256, {"pending.fuzz.example"}))}}.dump()));
  seed("acme_api", "6-authz-deactivate", api(6, R"({"status":"deactivated"})"));
  seed("acme_api", "7-challenge", api(7, "{}"));
  seed("acme_api", "8-certificate", api(8, ""));
  seed(
      "acme_api", "9-revoke",
      api(9, json{{"certificate", common::base64url_encode(der_of(alpn_cert.get()))}, {"reason", 4}}.dump()));
  seed("acme_api", "10-key-change",
       api(10,
           jws_for(es384, base + "/acme/key-change",
                   json{{"account", base + "/acme/acct/1"}, {"oldKey", es256.public_key().to_jwk()}}.dump(),
                   true)));
  seed("acme_api", "11-renewal-info", api(11, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"));
  seed("acme_api", "12-not-a-jws", api(12, "{\"protected\": 1}"));

  // http_request: the first byte picks the listener (even: ACME, odd: management).
  auto http = [](char listener, const std::string& request) { return std::string(1, listener) + request; };
  seed("http_request", "acme-get-dir", http(0, "GET /dir HTTP/1.1\r\nHost: ca.fuzz:14000\r\n\r\n"));
  seed("http_request", "acme-head-nonce-keepalive",
       http(0, "HEAD /acme/new-nonce HTTP/1.1\r\nHost: x\r\n\r\nGET /directory HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto body = jws_for(es256, "http://127.0.0.1/acme/new-account", R"({"termsOfServiceAgreed":true})", true);
  seed("http_request", "acme-post-new-account",
       http(0,
            "POST /acme/new-account HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            "application/jose+json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body));
  seed("http_request", "acme-chunked",
       http(0,
            "POST /acme/new-order HTTP/1.1\r\nHost: x\r\nContent-Type: "
            "application/jose+json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
  seed("http_request", "acme-portal", http(0, "GET /sfe/v1/unpause?jwt=a.b.c HTTP/1.1\r\nHost: x\r\n\r\n"));
  seed("http_request", "acme-options",
       http(0, "OPTIONS /acme/new-order HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n\r\n"));
  seed("http_request", "management-roots", http(1, "GET /roots/0 HTTP/1.1\r\nHost: localhost:15000\r\n\r\n"));
  seed("http_request", "management-clock",
       http(1,
            "POST /clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            "17\r\n\r\n{\"advance\": 3600}"));
  seed("http_request", "management-pause",
       http(1,
            "POST /pause HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            "50\r\n\r\n{\"account\": 1, \"identifier\": \"dns:a.example.com\"}"));

  // Forwarding headers and request ids: believed on listener 2 (a trusted proxy), ignored on 0.
  for (char listener : {char(0), char(2)}) {
    auto tag = std::string(listener == 0 ? "untrusted" : "proxied");
    seed("http_request", tag + "-forwarded",
         http(listener,
              "GET /dir HTTP/1.1\r\nHost: x\r\nForwarded: for=\"[2001:db8::7]:4711\";proto=https;"
              "host=acme.example, for=192.0.2.60;by=unknown\r\nX-Request-Id: abc-123\r\n\r\n"));
    seed("http_request", tag + "-x-forwarded",
         http(listener,
              "HEAD /acme/new-nonce HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9, , junk, "
              "[::1]:80\r\nX-Forwarded-Proto: gopher\r\nX-Forwarded-Host: a\"b\r\n\r\n"));
    seed("http_request", tag + "-request-id",
         http(listener, "GET /dir HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + std::string(300, 'r') +
                            "\x01\xff\r\nX-Request-Id: second\r\nForwarded: ;;=\"\r\n\r\n"));
  }

  // http01_response: what a validation target answers.
  seed("http01_response", "ok", "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\ntoken.thumbprint");
  seed("http01_response", "ok-chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\ntoken.thumbprint\r\n0\r\n\r\n");
  seed("http01_response", "redirect-relative",
       "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n");
  seed("http01_response", "redirect-raw-byte",
       "HTTP/1.1 301 Moved\r\nLocation: /x\xff\r\nContent-Length: 0\r\n\r\n");
  seed("http01_response", "redirect-https",
       "HTTP/1.1 307 Temporary\r\nLocation: https://127.0.0.1/t\r\n\r\n");
  seed("http01_response", "wrong-body", "HTTP/1.0 200 OK\r\n\r\n\x01\x02not it\xc3");
  seed("http01_response", "404", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

  // url: redirect targets, each against the fuzz target's base.
  for (auto [name, text] : std::initializer_list<std::pair<const char*, const char*>>{
           {"absolute", "http://example.com:8080/path?q=1#frag"},
           {"ipv6", "https://[2001:db8::1]:443/x"},
           {"relative", "next/step"},
           {"root-relative", "/x\xff y"},
           {"scheme-relative", "//host.example/p"},
           {"userinfo", "http://user@host/"},
           {"bad-port", "http://host:99999/"}}) {
    seed("url", name, text);
  }

  // identifiers: newOrder members and single names.
  seed(
      "identifiers", "mixed",
      R"([{"type":"dns","value":"WWW.Example.COM"},{"type":"dns","value":"*.example.com"},{"type":"ip","value":"2001:DB8::0:1"}])");
  seed("identifiers", "idn",
       R"([{"type":"dns","value":"exämple.com"},{"type":"dns","value":"xn--exmple-cua.com"}])");
  seed("identifiers", "name", "xn--caf-dma.example");
  seed("identifiers", "address", "192.0.2.1");

  // problem: detail, instance, identifier and a subproblem's detail, separated by NUL bytes.
  seed("problem", "plain", std::string("Fetching http://x/: refused\0https://help\0example.com\0bad", 57));
  seed("problem", "cut-character", std::string(99, 'a') + "\xc3");

  // unpause_token: a good token (secret 'k' * 32) and a tampered one.
  const std::string secret(pause::kUnpauseSecretBytes, 'k');
  auto token =
      pause::make_unpause_token(secret, 42, {"a.example.com", "b.example.com"},
                                std::chrono::system_clock::time_point(std::chrono::seconds(1'780'000'000)));
  seed("unpause_token", "valid", token);
  seed("unpause_token", "tampered", token.substr(0, token.size() - 2) + "xx");
  seed("unpause_token", "alg-none", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.");

  // dns_wire: queries as resolvers send them.
  seed("dns_wire", "a", dns_query("example.com.", 1, false));
  seed("dns_wire", "txt-edns", dns_query("_acme-challenge.example.com.", 16, true));
  seed("dns_wire", "caa", dns_query("example.com.", 257, true));

  // dns_answers: answers the resolver parses.
  seed("dns_answers", "txt",
       dns_answer("_acme-challenge.fuzz.example.", 16,
                  {challsrv::dns::rdata_txt("digest"), challsrv::dns::rdata_txt(std::string(300, 'x'))}));
  seed("dns_answers", "txt-persist",
       dns_answer("_validation-persist.fuzz.example.", 16,
                  {challsrv::dns::rdata_txt("cobble.test; accounturi=https://ca.fuzz/acme/acct/1; "
                                            "policy=wildcard; persistUntil=2000000000")}));
  seed("dns_answers", "caa",
       dns_answer(
           "fuzz.example.", 257,
           {challsrv::dns::rdata_caa(
                0, "issue", "cobble.test; accounturi=https://ca.fuzz/acme/acct/1; validationmethods=dns-01"),
            challsrv::dns::rdata_caa(128, "tbs", "x")}));
  seed("dns_answers", "a", dns_answer("fuzz.example.", 1, {challsrv::dns::rdata_a("192.0.2.1").value()}));
  seed("dns_answers", "aaaa",
       dns_answer("fuzz.example.", 28, {challsrv::dns::rdata_aaaa("2001:db8::1").value()}));

  // config: the shipped configuration files are added by make fuzz-seeds; these are the rest.
  seed(
      "config", "pebble",
      R"({"pebble":{"listenAddress":"0.0.0.0:14000","managementListenAddress":"0.0.0.0:15000","certificate":"test/certs/localhost/cert.pem","privateKey":"test/certs/localhost/key.pem","httpPort":5002,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false,"domainBlocklist":["blocked.example"],"retryAfter":{"authz":3,"order":5},"profiles":{"default":{"description":"d","validityPeriod":7776000}}}})");
  seed("config", "text-settings",
       "vaTimeoutSeconds=5\nexternalUrl=https://"
       "acme.example.com\nmanagementToken=t\nchaos={\"*\":{\"badNonce\":0.5}}\nPEBBLE_VA_NOSLEEP=1");
  std::cout << "fuzz-seeds: wrote the seeds under " << root << "\n";
  return 0;
}
