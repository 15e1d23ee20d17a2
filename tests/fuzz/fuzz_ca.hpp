#pragma once

// A whole Cobble for the fuzz targets that go through the ACME API: the real wiring
// (app::build_components) on an in-memory database with the fake clock and always-valid
// validation, an account with an order, an authorization, a challenge and a certificate to aim
// requests at, and a client that signs whatever payload an input carries.

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "acme/jws.hpp"
#include "api/acme/acme_api.hpp"
#include "app/components.hpp"
#include "ca/csr_builder.hpp"
#include "common/base64url.hpp"

namespace cobble::fuzz {

inline void need(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("fuzz set-up failed: ") + what);
}

class FuzzCa {
 public:
  static constexpr const char* kBase = "https://ca.fuzz:14000";

  FuzzCa() {
    // A log line per request would cost more than the request; errors are still shown.
    spdlog::set_level(spdlog::level::err);
    char pattern[] = "/tmp/cobble-fuzz.XXXXXX";
    need(mkdtemp(pattern) != nullptr, "mkdtemp");
    dir_ = pattern;
    app::Config config;
    config.data_dir = dir_.string();
    config.database = ":memory:";
    config.fake_clock = true;
    config.always_valid = true;
    config.ca_persist = false;
    config.pause_burst = 3;
    auto built = app::build_components(config, io_, work_.get_executor(), "");
    need(built.has_value(), "build_components");
    components_ = std::move(*built);
  }
  ~FuzzCa() {
    components_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  app::Components& components() { return *components_; }

  api::Reply send(const std::string& method, const std::string& path, std::string body,
                  const std::string& content_type = "application/jose+json") {
    api::Request r;
    r.method = method;
    auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.body = std::move(body);
    r.base_url = kBase;
    r.remote_address = "127.0.0.1";
    if (!content_type.empty()) r.headers.emplace_back("Content-Type", content_type);
    return api::handle_acme(r, *components_->core.services);
  }

  // Runs what requests queued: validations (always valid) and their recording.
  void drain() {
    for (int round = 0; round < 8; ++round) {
      auto ran = io_.poll() + work_.poll();
      io_.restart();
      work_.restart();
      if (ran == 0) break;
    }
  }

  std::string nonce() { return std::string(send("HEAD", "/acme/new-nonce", "", "").header("Replay-Nonce")); }

 private:
  std::filesystem::path dir_;
  boost::asio::io_context io_;
  boost::asio::io_context work_;
  std::unique_ptr<app::Components> components_;
};

// An ACME client of a FuzzCa: one key, and the account it registered.
class FuzzClient {
 public:
  explicit FuzzClient(FuzzCa& ca)
      : ca_(ca), key_(acme::PrivateKey::generate(acme::PrivateKey::Kind::es256)) {}

  std::string sign(const std::string& url, std::string_view payload, bool use_jwk = false) {
    nlohmann::json header = {{"nonce", ca_.nonce()}, {"url", url}};
    if (use_jwk || kid_.empty()) {
      header["jwk"] = key_.public_key().to_jwk();
    } else {
      header["kid"] = kid_;
    }
    return acme::sign_jws(key_, header, payload);
  }
  // POSTs `payload` (empty: POST-as-GET) to an absolute URL of the CA.
  api::Reply post(const std::string& url, std::string_view payload, bool use_jwk = false) {
    return ca_.send("POST", url.substr(std::string(FuzzCa::kBase).size()), sign(url, payload, use_jwk));
  }
  void register_account() {
    auto reply =
        post(std::string(FuzzCa::kBase) + "/acme/new-account", R"({"termsOfServiceAgreed":true})", true);
    need(reply.status == 201 || reply.status == 200, "newAccount");
    kid_ = std::string(reply.header("Location"));
  }
  const std::string& kid() const { return kid_; }
  const acme::PrivateKey& key() const { return key_; }

 private:
  FuzzCa& ca_;
  acme::PrivateKey key_;
  std::string kid_;
};

// Where an input's request goes: an account's resources, made fresh whenever a request may have
// spoilt them (a deactivated account, a rolled key).
struct Targets {
  std::string account, order, finalize, authz, challenge, certificate;

  static Targets make(FuzzCa& ca, FuzzClient& client) {
    client.register_account();
    Targets t;
    t.account = client.kid();
    auto body = [](const api::Reply& r) { return nlohmann::json::parse(r.body); };
    // One order whose certificate is issued (for certificate, revocation and renewal info)...
    auto issued = client.post(std::string(FuzzCa::kBase) + "/acme/new-order",
                              R"({"identifiers":[{"type":"dns","value":"issued.fuzz.example"}]})");
    need(issued.status == 201, "newOrder");
    auto issued_order = body(issued);
    auto issued_authz = body(client.post(issued_order["authorizations"][0], ""));
    client.post(issued_authz["challenges"][0]["url"], "{}");
    ca.drain();
    auto cert_key = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
    auto csr = ca::make_csr_der(cert_key.native(), {"issued.fuzz.example"});
    need(csr.has_value(), "CSR");
    auto finalized =
        client.post(issued_order["finalize"], R"({"csr":")" + common::base64url_encode(*csr) + "\"}");
    need(finalized.status == 200, "finalize");
    t.certificate = body(finalized).value("certificate", "");
    // ...and one left pending, for the order, authorization and challenge endpoints.
    auto pending = client.post(std::string(FuzzCa::kBase) + "/acme/new-order",
                               R"({"identifiers":[{"type":"dns","value":"pending.fuzz.example"}]})");
    need(pending.status == 201, "newOrder");
    auto order = body(pending);
    t.order = std::string(pending.header("Location"));
    t.finalize = order["finalize"];
    t.authz = order["authorizations"][0];
    t.challenge = body(client.post(t.authz, ""))["challenges"][0]["url"];
    return t;
  }
};

}  // namespace cobble::fuzz
