#include <catch2/catch.hpp>
#include <utility>

#include "storage/fault_vfs.hpp"
#include "support/forwarding_store.hpp"
#include "support/test_ca.hpp"

// Every endpoint when the database fails underneath (issue #12): a 503 problem with Retry-After
// and a fresh nonce, never a hang or a crash; nothing a client was told is lost; the pause check
// fails closed; and everything works again once the fault is gone.

using namespace cobble;
using storage::FaultInjectingVfs;
using test::body_of;
using test::problem_type;
using test::TestCa;
using test::TestClient;

namespace {

void check_unavailable(const api::Reply& reply) {
  CAPTURE(reply.status, reply.body);
  CHECK(reply.status == 503);
  CHECK(problem_type(reply) == "serverInternal");
  CHECK_FALSE(reply.header("Retry-After").empty());
  CHECK_FALSE(reply.header("Replay-Nonce").empty());
}

// A CA on the fault-injecting VFS, with an account, a pending order and an issued certificate.
struct FaultyCa {
  FaultInjectingVfs vfs;  // outlives the store
  TestCa ca{{}, ca::CaOptions{.persist = false}, storage::StoreOptions{.vfs = vfs.name()}};
  TestClient client{ca};
  nlohmann::json pending;  // a pending order
  std::string challenge_url, authz_url, certificate_der;
  FaultyCa() {
    REQUIRE(client.register_account().status == 201);
    auto cert_key = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
    auto issued = client.valid_order({"issued.example"}, cert_key);
    auto chain = client.post_as_get(issued["certificate"].get<std::string>()).body;
    certificate_der = ca::first_certificate_der(chain).value();
    pending = body_of(client.new_order({"pending.example"}));
    authz_url = pending["authorizations"][0];
    auto authz = body_of(client.post_as_get(authz_url));
    for (const auto& c : authz["challenges"])
      if (c["type"] == "http-01") challenge_url = c["url"];
    INFO(authz.dump());
    REQUIRE_FALSE(challenge_url.empty());
  }
};

}  // namespace

TEST_CASE("with the disk full every state-changing endpoint is 503, changes nothing, and works after",
          "[api][faults]") {
  FaultyCa f;
  auto& client = f.client;
  TestClient newcomer(f.ca);
  struct Request {
    std::string what;
    std::function<api::Reply()> send;
    int ok_status;
  };
  std::vector<Request> requests = {
      {"newAccount", [&] { return newcomer.register_account(); }, 201},
      {"newOrder", [&] { return client.new_order({"new.example"}); }, 201},
      {"account update",
       [&] {
         return client.post_to(client.kid, {{"contact", {"mailto:ops@example.com"}}});
       },
       200},
      {"challenge", [&] { return client.post_to(f.challenge_url, nlohmann::json::object()); }, 200},
      {"revocation",
       [&] {
         return client.post("/acme/revoke-cert",
                            {{"certificate", common::base64url_encode(f.certificate_der)}});
       },
       200},
  };
  f.vfs.inject(FaultInjectingVfs::Fault::disk_full, FaultInjectingVfs::writes);
  for (auto& r : requests) {
    CAPTURE(r.what);
    check_unavailable(r.send());
  }
  f.vfs.clear();
  // Nothing changed meanwhile.
  CHECK(body_of(client.post_as_get(f.challenge_url))["status"] == "pending");
  CHECK(body_of(client.post_as_get(client.kid))["contact"].empty());
  CHECK_FALSE(f.ca.store->find_account(2));
  for (auto& r : requests) {
    CAPTURE(r.what);
    CHECK(r.send().status == r.ok_status);
  }
}

TEST_CASE("with reads failing the endpoints are 503 and nothing is lost", "[api][faults]") {
  FaultyCa f;
  // A commit makes every connection read from the file again.
  REQUIRE(f.client.post_to(f.client.kid, {{"contact", {"mailto:ops@example.com"}}}).status == 200);
  f.vfs.inject(FaultInjectingVfs::Fault::io_error, FaultInjectingVfs::reads);
  check_unavailable(f.client.new_order({"while.failing.example"}));
  check_unavailable(f.client.post_as_get(f.authz_url));
  f.vfs.clear();
  CHECK(f.client.post_as_get(f.authz_url).status == 200);
  CHECK(body_of(f.client.post_as_get(f.client.kid))["contact"][0] == "mailto:ops@example.com");
  CHECK(f.client.new_order({"after.example"}).status == 201);
}

namespace {

// The paused-pairs lookup fails; everything else works.
class PauseLookupFails final : public test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  storage::Result<std::vector<storage::IdentifierRecord>> find_paused(
      std::int64_t, const std::vector<storage::IdentifierRecord>&) override {
    return common::fail(std::errc::io_error, "injected: the paused table cannot be read");
  }
};

}  // namespace

TEST_CASE("the pause check fails closed: no order when it cannot run", "[api][faults][pause]") {
  TestCa ca({}, ca::CaOptions{.persist = false}, {}, [](std::unique_ptr<storage::Store> real) {
    return std::make_unique<PauseLookupFails>(std::move(real));
  });
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  check_unavailable(client.new_order({"unchecked.example"}));
  CHECK(body_of(client.post_as_get(client.kid + "/orders"))["orders"].empty());
}

TEST_CASE("finalize with the disk full is 503 and leaves the order ready to finalize again",
          "[api][faults]") {
  FaultyCa f;
  auto cert_key = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
  auto order_url = f.client.ready_order({"finalize.example"});
  auto order = body_of(f.client.post_as_get(order_url));
  REQUIRE(order["status"] == "ready");
  nlohmann::json payload = {{"csr", test::make_csr(cert_key, {"finalize.example"})}};

  f.vfs.inject(FaultInjectingVfs::Fault::disk_full, FaultInjectingVfs::writes);
  check_unavailable(f.client.post_to(order["finalize"].get<std::string>(), payload));
  f.vfs.clear();
  // Signed but never stored: nothing to recover, and no "processing" order left behind.
  CHECK(body_of(f.client.post_as_get(order_url))["status"] == "ready");
  auto finalized = f.client.post_to(order["finalize"].get<std::string>(), payload);
  REQUIRE(finalized.status == 200);
  CHECK(body_of(finalized)["status"] == "valid");
}

namespace {

// The store fails only where finalize stores what it signed, and only once.
class CompletionFailsOnce final : public test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  storage::Result<void> complete_order(const std::string& id,
                                       const storage::CertificateRecord& certificate) override {
    if (std::exchange(failed_, true) == false)
      return common::fail(std::errc::io_error, "injected: the certificate cannot be stored");
    return ForwardingStore::complete_order(id, certificate);
  }

 private:
  bool failed_ = false;
};

}  // namespace

TEST_CASE("a certificate that cannot be stored leaves the order ready, not failed", "[api][faults]") {
  TestCa ca({}, ca::CaOptions{.persist = false}, {}, [](std::unique_ptr<storage::Store> real) {
    return std::make_unique<CompletionFailsOnce>(std::move(real));
  });
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto cert_key = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
  auto order_url = client.ready_order({"store-fails.example"});
  auto finalize_url = body_of(client.post_as_get(order_url))["finalize"].get<std::string>();
  nlohmann::json payload = {{"csr", test::make_csr(cert_key, {"store-fails.example"})}};
  check_unavailable(client.post_to(finalize_url, payload));
  CHECK(body_of(client.post_as_get(order_url))["status"] == "ready");
  auto finalized = client.post_to(finalize_url, payload);
  REQUIRE(finalized.status == 200);
  CHECK(body_of(finalized)["status"] == "valid");
}

namespace {

// Another finalization of the same order commits while this one signs.
class FinalizedMeanwhile final : public test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  storage::Result<void> complete_order(const std::string& id,
                                       const storage::CertificateRecord& certificate) override {
    auto rival = certificate;
    rival.serial = "7e57";
    if (auto r = ForwardingStore::complete_order(id, rival); !r) return r;
    return ForwardingStore::complete_order(id, certificate);
  }
};

}  // namespace

TEST_CASE("of two finalizations at once the first to store wins; the other is orderNotReady",
          "[api][faults]") {
  TestCa ca({}, ca::CaOptions{.persist = false}, {}, [](std::unique_ptr<storage::Store> real) {
    return std::make_unique<FinalizedMeanwhile>(std::move(real));
  });
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto cert_key = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
  auto order_url = client.ready_order({"race.example"});
  auto order = body_of(client.post_as_get(order_url));
  auto lost = client.post_to(order["finalize"].get<std::string>(),
                             {{"csr", test::make_csr(cert_key, {"race.example"})}});
  CAPTURE(lost.body);
  CHECK(lost.status == 403);
  CHECK(problem_type(lost) == "orderNotReady");
  auto now = body_of(client.post_as_get(order_url));
  CHECK(now["status"] == "valid");
  CHECK(now["certificate"].get<std::string>().ends_with("7e57"));
}
