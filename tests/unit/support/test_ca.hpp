#pragma once

#include <memory>
#include <optional>
#include <string>

#include "acme/jws.hpp"
#include "api/acme_api.hpp"
#include "api/management.hpp"
#include "common/base64url.hpp"
#include "support/temp_dir.hpp"

namespace cobble::test {

// Validates every scheduled challenge at once, in the caller's thread: passing, or failing with
// `failure` when set. Tests see the outcome without waiting.
class ImmediateScheduler final : public authority::ValidationScheduler {
 public:
  void schedule(authority::ValidationTask task) override {
    tasks.push_back(task);
    if (challenges) challenges->record_outcome(task.challenge_id, failure);
  }
  const authority::Challenges* challenges = nullptr;
  std::optional<acme::Problem> failure;
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
  std::unique_ptr<authority::Accounts> accounts;
  std::unique_ptr<authority::Orders> orders;
  std::unique_ptr<authority::Challenges> challenges;
  std::unique_ptr<authority::Certificates> certificates;
  std::unique_ptr<api::Services> services;
  std::unique_ptr<api::ManagementServices> management;
  std::string base_url = "https://ca.test:14000";

  explicit TestCa(authority::Policy p = {}) : policy(std::move(p)) {
    store = std::move(storage::Store::open(dir.file("cobble.db")).value());
    ca::CaOptions options;
    options.persist = false;
    ca = ca::CertificateAuthority::load_or_create(dir.path() / "ca", options, clock.now()).value();
    accounts = std::make_unique<authority::Accounts>(*store, clock, policy);
    orders = std::make_unique<authority::Orders>(*store, clock, policy, *ca);
    challenges = std::make_unique<authority::Challenges>(*store, clock, policy, scheduler);
    certificates = std::make_unique<authority::Certificates>(*store, clock);
    scheduler.challenges = challenges.get();
    services.reset(new api::Services{nonces, {}, policy, *accounts, *orders, *challenges, *certificates, 3});
    management.reset(new api::ManagementServices{"", ca->root_pem(), ca->root_key_pem(),
                                                 ca->intermediate_pem(), ca->intermediate_key_pem(),
                                                 *certificates});
  }

  api::Reply send(std::string method, std::string path, std::string body = "",
                  std::string content_type = "application/jose+json") {
    api::Request r;
    r.method = std::move(method);
    auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.body = std::move(body);
    r.base_url = base_url;
    if (!content_type.empty()) r.headers.emplace_back("Content-Type", content_type);
    return api::handle_acme(r, *services);
  }
  api::Reply manage(std::string path) {
    api::Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.base_url = "https://localhost:15000";
    return api::handle_management(r, *management);
  }
};

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
};

inline nlohmann::json body_of(const api::Reply& reply) { return nlohmann::json::parse(reply.body); }

inline std::string problem_type(const api::Reply& reply) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.contains("type")) return "(no problem: " + reply.body + ")";
  std::string type = j["type"];
  return type.substr(type.rfind(':') + 1);
}

}  // namespace cobble::test
