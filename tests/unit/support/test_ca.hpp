#pragma once

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "acme/identifiers.hpp"
#include "acme/jws.hpp"
#include "api/acme/acme_api.hpp"
#include "api/management/management.hpp"
#include "app/wiring.hpp"
#include "ca/csr_builder.hpp"
#include "ca/openssl.hpp"
#include "common/base64url.hpp"
#include "support/problem_matchers.hpp"
#include "support/temp_dir.hpp"

namespace cobble::test {

// Validates every scheduled challenge at once, in the caller's thread: passing, or failing with
// `failure` when set. Tests see the outcome without waiting.
class ImmediateScheduler final : public authority::ValidationScheduler {
 public:
  bool reserve() override { return !full; }
  void release() override {}
  void schedule(authority::ValidationTask task) override {
    tasks.push_back(task);
    // As the real scheduler does: the outcome says when it ran, in ACME time.
    auto at = clock ? clock->now() : common::TimePoint{};
    if (challenges) challenges->record_outcome(task, {failure, {"127.0.0.1:5002"}, {}, perspectives, at, at});
  }
  void schedule_resumed(authority::ValidationTask task) override { schedule(std::move(task)); }
  const authority::Challenges* challenges = nullptr;
  const common::Clock* clock = nullptr;  // stamps the outcomes; null: time 0
  std::optional<acme::Problem> failure;
  std::vector<validation::PerspectiveResult> perspectives;  // what each perspective "saw"
  bool full = false;                                        // reserve() refuses: the queue is full
  std::vector<authority::ValidationTask> tasks;
};

// A whole CA on a real SQLite file in a temp dir, an ephemeral CA, a fake clock, and the ACME API
// called in-process (no sockets): what api/ and authority/ tests drive.
struct TestCa {
  TempDir dir;
  common::FakeClock clock;
  std::unique_ptr<storage::Store> store;
  std::shared_ptr<ca::CertificateAuthority> ca;
  authority::Policy policy;
  acme::NonceStore nonces;
  ImmediateScheduler scheduler;
  // Pausing with a fixed secret (tests sign their own links) and a burst of kPauseBurst failures.
  static constexpr std::int64_t kPauseBurst = 3;
  std::string pause_secret = std::string(pause::kUnpauseSecretBytes, 'k');
  // Built as the server builds them (app/wiring.hpp).
  app::Core core;
  std::unique_ptr<authority::Accounts>& accounts = core.accounts;
  std::unique_ptr<authority::Pauses>& pauses = core.pauses;
  std::unique_ptr<authority::Orders>& orders = core.orders;
  std::unique_ptr<authority::Challenges>& challenges = core.challenges;
  std::unique_ptr<authority::Certificates>& certificates = core.certificates;
  std::unique_ptr<authority::RenewalInfo>& renewal_info = core.renewal_info;
  std::unique_ptr<authority::RevocationList>& crl = core.crl;
  std::unique_ptr<api::Services>& services = core.services;
  std::unique_ptr<api::ManagementServices>& management = core.management;
  std::string base_url = "https://ca.test:14000";
  std::string remote_address = "192.0.2.10";  // where ACME requests come from

  // Given the real store, returns the one the CA uses (a test's wrapper around it).
  using StoreWrapper = std::function<std::unique_ptr<storage::Store>(std::unique_ptr<storage::Store>)>;

  explicit TestCa(authority::Policy p = {}, ca::CaOptions options = ca::CaOptions{.persist = false},
                  storage::StoreOptions store_options = {}, const StoreWrapper& wrap = nullptr,
                  ratelimit::LimitTable rate_limits = {})
      : policy(std::move(p)) {
    store = std::move(storage::Store::open(dir.file("cobble.db"), store_options).value());
    if (wrap) store = wrap(std::move(store));
    ca = ca::CertificateAuthority::load_or_create(dir.path() / "ca", options, clock.now()).value();
    authority::PauseSettings pause_settings;
    pause_settings.policy.failures = {kPauseBurst, 1, std::chrono::hours(24)};
    pause_settings.secret = pause_secret;
    core = app::build_core({.store = *store,
                            .clock = clock,
                            .policy = policy,
                            .ca = *ca,
                            .scheduler = scheduler,
                            .nonces = nonces,
                            .pause_settings = std::move(pause_settings),
                            .rate_limits = std::move(rate_limits),
                            .orders_per_page = 3});
    scheduler.challenges = challenges.get();
    scheduler.clock = &clock;
  }
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  api::Reply send(std::string method, std::string path, std::string body = "",
                  std::string content_type = "application/jose+json") {
    api::Request r;
    r.method = std::move(method);
    auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.body = std::move(body);
    r.base_url = base_url;
    r.remote_address = remote_address;
    if (!content_type.empty()) r.headers.emplace_back("Content-Type", content_type);
    return api::handle_acme(r, *services);
  }
  api::Reply manage(std::string path, std::string post_body = "") {
    api::Request r;
    r.method = post_body.empty() ? "GET" : "POST";
    if (!post_body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    r.body = std::move(post_body);
    auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.base_url = "https://localhost:15000";
    return api::handle_management(r, *management);
  }
};

inline nlohmann::json body_of(const api::Reply& reply) { return nlohmann::json::parse(reply.body); }

// An ACME client over TestCa: signs requests with its own key and fresh nonces.
struct TestClient {
  TestCa& ca;
  acme::PrivateKey key;
  std::string kid;  // set by register_account

  explicit TestClient(TestCa& c, acme::PrivateKey::Kind kind = acme::PrivateKey::Kind::es256)
      : ca(c), key(acme::PrivateKey::generate(kind)) {}

  std::string nonce() {
    return std::string(ca.send("HEAD", "/acme/new-nonce", "", "").header("Replay-Nonce"));
  }

  // A JWS for `url` over `payload` (empty: POST-as-GET), with jwk when there is no kid yet.
  std::string sign(const std::string& url, const std::string& payload, bool use_jwk = false) {
    nlohmann::json header = {{"nonce", nonce()}, {"url", url}};
    if (use_jwk || kid.empty()) {
      header["jwk"] = key.public_key().to_jwk();
    } else {
      header["kid"] = kid;
    }
    return acme::sign_jws(key, header, payload);
  }
  api::Reply post(const std::string& path, const nlohmann::json& payload, bool use_jwk = false) {
    return ca.send("POST", path, sign(ca.base_url + path, payload.is_null() ? "" : payload.dump(), use_jwk));
  }
  api::Reply post_as_get(const std::string& url) {
    auto path = url.substr(ca.base_url.size());
    return ca.send("POST", path, sign(url, ""));
  }
  api::Reply register_account(const nlohmann::json& payload = {{"termsOfServiceAgreed", true}}) {
    auto reply = post("/acme/new-account", payload, true);
    if (reply.status == 201 || reply.status == 200) kid = std::string(reply.header("Location"));
    return reply;
  }
  // POST `payload` to an absolute URL of the server.
  api::Reply post_to(const std::string& url, const nlohmann::json& payload) {
    return post(url.substr(ca.base_url.size()), payload);
  }
  // Names that are IP addresses become "ip" identifiers (RFC 8738).
  api::Reply new_order(const std::vector<std::string>& names) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& n : names) ids.push_back({{"type", acme::canonical_ip(n) ? "ip" : "dns"}, {"value", n}});
    return post("/acme/new-order", {{"identifiers", ids}});
  }
  // Creates an order for `names` and answers one challenge of each authorization (dns-01 for
  // wildcards, http-01 otherwise); with ImmediateScheduler passing, the order is then ready.
  // Returns the order URL.
  std::string ready_order(const std::vector<std::string>& names) {
    auto created = new_order(names);
    REQUIRE(created.status == 201);
    auto order = body_of(created);
    for (const auto& authz_url : order["authorizations"]) {
      auto authz = body_of(post_as_get(authz_url.get<std::string>()));
      if (authz["status"] == "valid") continue;
      std::string type = authz.value("wildcard", false) ? "dns-01" : "http-01";
      for (const auto& c : authz["challenges"]) {
        if (c["type"] == type)
          REQUIRE(post_to(c["url"].get<std::string>(), nlohmann::json::object()).status == 200);
      }
    }
    return std::string(created.header("Location"));
  }
  // ready_order, then finalize with a CSR for `names` under `cert_key`. Returns the order JSON.
  nlohmann::json valid_order(const std::vector<std::string>& names, const acme::PrivateKey& cert_key);
};

// Every value of header `name` (a reply may carry several Link headers).
inline std::vector<std::string> headers_named(const api::Reply& reply, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : reply.headers)
    if (api::iequals(n, name)) out.push_back(v);
  return out;
}

// True when the reply has a Link header with this rel, e.g. `has_link(r, "index")`.
inline bool has_link(const api::Reply& reply, const std::string& rel) {
  for (const auto& v : headers_named(reply, "Link"))
    if (v.ends_with(";rel=\"" + rel + "\"")) return true;
  return false;
}

// The target of the Link header with this rel, or "" when there is none.
inline std::string link_target(const api::Reply& reply, const std::string& rel) {
  for (const auto& v : headers_named(reply, "Link")) {
    if (v.ends_with(";rel=\"" + rel + "\"") && v.starts_with("<")) return v.substr(1, v.find('>') - 1);
  }
  return "";
}

// A PKCS#10 CSR under `key` with SAN dNSNames `names` (iPAddresses for those that are addresses;
// and subject CN `common_name` when given),
// as base64url DER: the "csr" member of a finalize payload.
inline std::string make_csr(const acme::PrivateKey& key, const std::vector<std::string>& names,
                            const std::string& common_name = "") {
  auto der = ca::make_csr_der(key.native(), names, common_name);
  REQUIRE(der.has_value());
  return common::base64url_encode(*der);
}

inline nlohmann::json TestClient::valid_order(const std::vector<std::string>& names,
                                              const acme::PrivateKey& cert_key) {
  auto order = body_of(post_as_get(ready_order(names)));
  REQUIRE(order["status"] == "ready");
  auto finalized = post_to(order["finalize"].get<std::string>(), {{"csr", make_csr(cert_key, names)}});
  REQUIRE(finalized.status == 200);
  return body_of(finalized);
}

}  // namespace cobble::test
