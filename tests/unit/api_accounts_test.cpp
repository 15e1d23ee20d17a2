#include <catch2/catch.hpp>
#include <set>

#include "support/test_ca.hpp"

// Accounts through the in-process API: RFC 8555 §7.3 (creation, update, deactivation, key
// rollover) and §7.1.2.1 (the orders list).

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

const std::string kBase = "https://ca.test:14000";
const std::string kKeyChange = kBase + "/acme/key-change";

// RFC 8555 §7.3.5: an outer JWS signed by the account (kid) over an inner JWS signed by `new_key`
// (jwk, same url, no nonce) over {account, oldKey}.
cobble::api::Reply change_key(TestClient& client, const PrivateKey& new_key, const nlohmann::json& old_jwk,
                              nlohmann::json inner_header = {}) {
  if (inner_header.is_null()) inner_header = {{"url", kKeyChange}, {"jwk", new_key.public_key().to_jwk()}};
  nlohmann::json inner_payload = {{"account", client.kid}, {"oldKey", old_jwk}};
  auto inner = cobble::acme::sign_jws(new_key, inner_header, inner_payload.dump());
  return client.ca.send("POST", "/acme/key-change", client.sign(kKeyChange, inner));
}

}  // namespace

TEST_CASE("newAccount creates with 201 and Location, and the same key finds it again with 200", "[api]") {
  TestCa ca;
  TestClient client(ca);
  auto created = client.register_account({{"contact", {"mailto:admin@example.com"}}});
  REQUIRE(created.status == 201);
  auto location = std::string(created.header("Location"));
  CHECK(location.starts_with(kBase + "/acme/acct/"));
  auto account = body_of(created);
  CHECK(account["status"] == "valid");
  CHECK(account["contact"] == nlohmann::json{"mailto:admin@example.com"});
  CHECK(account["orders"] == location + "/orders");
  CHECK(account["key"] == client.key.public_key().to_jwk());

  auto again = client.register_account();
  CHECK(again.status == 200);
  CHECK(again.header("Location") == location);
  CHECK(body_of(again)["contact"] == nlohmann::json{"mailto:admin@example.com"});

  TestClient other(ca);
  auto second = other.register_account();
  CHECK(second.status == 201);
  CHECK(second.header("Location") != location);
}

TEST_CASE("onlyReturnExisting finds an account but never creates one", "[api]") {
  TestCa ca;
  TestClient client(ca);
  auto unknown = client.register_account({{"onlyReturnExisting", true}});
  CHECK(unknown.status == 400);
  CHECK(problem_type(unknown) == "accountDoesNotExist");
  CHECK(unknown.header("Location").empty());

  REQUIRE(client.register_account().status == 201);
  auto known = client.register_account({{"onlyReturnExisting", true}});
  CHECK(known.status == 200);
  CHECK(known.header("Location") == client.kid);
}

TEST_CASE("newAccount checks each contact", "[api]") {
  TestCa ca;
  TestClient client(ca);
  auto [contact, type] = GENERATE(table<std::string, std::string>({
      {"mailto:admin@example.com", ""},
      {"mailto:Admin.Name+tag@Sub.Example.COM", ""},
      {"tel:+15555550100", "unsupportedContact"},
      {"https://example.com/contact", "unsupportedContact"},
      {"admin@example.com", "unsupportedContact"},
      {"mailto:not-an-address", "invalidContact"},
      {"mailto:@example.com", "invalidContact"},
      {"mailto:a@b@example.com", "invalidContact"},
      {"mailto:admin@example.com?subject=hello", "invalidContact"},
      {"mailto:a@example.com,b@example.com", "invalidContact"},
      {"mailto:admin@localhost", "invalidContact"},
      {"mailto:admin@*.example.com", "invalidContact"},
      {"mailto:admin@exa_mple.com", "invalidContact"},
  }));
  CAPTURE(contact);
  auto reply = client.register_account({{"termsOfServiceAgreed", true}, {"contact", {contact}}});
  if (type.empty()) {
    CHECK(reply.status == 201);
  } else {
    CHECK(reply.status == 400);
    CHECK(problem_type(reply) == type);
  }
}

TEST_CASE("newAccount refuses more contacts than the policy allows", "[api]") {
  TestCa ca;
  TestClient client(ca);
  auto count = GENERATE(10, 11, 50);
  CAPTURE(count);
  nlohmann::json contacts = nlohmann::json::array();
  for (int i = 0; i < count; ++i) contacts.push_back("mailto:admin" + std::to_string(i) + "@example.com");
  auto reply = client.register_account({{"contact", contacts}});
  if (count <= 10) {
    CHECK(reply.status == 201);
  } else {
    CHECK(reply.status == 400);
    CHECK(problem_type(reply) == "invalidContact");
  }
}

TEST_CASE("newAccount refuses a contact list that is not an array of strings", "[api]") {
  TestCa ca;
  TestClient client(ca);
  auto contact =
      GENERATE(nlohmann::json("mailto:a@example.com"), nlohmann::json{1, 2}, nlohmann::json{{"a", 1}});
  CAPTURE(contact.dump());
  auto reply = client.register_account({{"contact", contact}});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
}

TEST_CASE("a CA that requires the terms of service asks for agreement with a terms-of-service link",
          "[api]") {
  cobble::authority::Policy policy;
  policy.require_terms_of_service = true;
  policy.terms_of_service_url = "https://ca.test/terms.pdf";
  TestCa ca(policy);
  TestClient client(ca);
  auto agreed = GENERATE(as<nlohmann::json>{}, nlohmann::json(false), nlohmann::json());
  CAPTURE(agreed.dump());
  nlohmann::json payload = nlohmann::json::object();
  if (!agreed.is_null()) payload["termsOfServiceAgreed"] = agreed;
  auto refused = client.register_account(payload);
  CHECK(refused.status == 403);
  CHECK(problem_type(refused) == "userActionRequired");
  CHECK(cobble::test::link_target(refused, "terms-of-service") == "https://ca.test/terms.pdf");
  CHECK(cobble::test::has_link(refused, "index"));

  CHECK(client.register_account({{"termsOfServiceAgreed", true}}).status == 201);
}

TEST_CASE("an account update replaces the contacts, and a bad one changes nothing", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account({{"contact", {"mailto:old@example.com"}}}).status == 201);
  auto updated =
      client.post_to(client.kid, {{"contact", {"mailto:new@example.com", "mailto:ops@example.com"}}});
  CHECK(updated.status == 200);
  nlohmann::json wanted = {"mailto:new@example.com", "mailto:ops@example.com"};
  CHECK(body_of(updated)["contact"] == wanted);

  auto bad = client.post_to(client.kid, {{"contact", {"tel:+15555550100"}}});
  CHECK(problem_type(bad) == "unsupportedContact");
  CHECK(body_of(client.post_as_get(client.kid))["contact"] == wanted);

  auto cleared = client.post_to(client.kid, {{"contact", nlohmann::json::array()}});
  CHECK(body_of(cleared)["contact"] == nlohmann::json::array());
  CHECK(body_of(client.post_to(client.kid, nlohmann::json::object()))["contact"] == nlohmann::json::array());
}

TEST_CASE("an account's status can only be changed to deactivated, after which it is refused", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto revoked = client.post_to(client.kid, {{"status", "revoked"}});
  CHECK(revoked.status == 400);
  CHECK(problem_type(revoked) == "malformed");
  CHECK(client.post_to(client.kid, {{"status", "valid"}}).status == 200);

  auto deactivated = client.post_to(client.kid, {{"status", "deactivated"}});
  REQUIRE(deactivated.status == 200);
  CHECK(body_of(deactivated)["status"] == "deactivated");

  auto requests = {client.post_as_get(client.kid), client.post_to(client.kid, {{"status", "deactivated"}}),
                   client.new_order({"a.example.com"}), client.post_as_get(client.kid + "/orders")};
  for (const auto& reply : requests) {
    CHECK(reply.status == 403);
    CHECK(problem_type(reply) == "unauthorized");
  }
  // §7.3.6: the key stays bound to the deactivated account and is refused by newAccount too.
  auto again = client.register_account();
  CHECK(again.status == 403);
  CHECK(problem_type(again) == "unauthorized");
  CHECK(again.header("Location").empty());
}

TEST_CASE("an account cannot read or change another account", "[api]") {
  TestCa ca;
  TestClient alice(ca), mallory(ca);
  REQUIRE(alice.register_account().status == 201);
  REQUIRE(mallory.register_account().status == 201);
  auto replies = {mallory.post_to(alice.kid, nlohmann::json::object()),
                  mallory.post_to(alice.kid, {{"status", "deactivated"}}),
                  mallory.post_to(alice.kid, {{"contact", {"mailto:mallory@example.com"}}}),
                  mallory.post_as_get(alice.kid + "/orders")};
  for (const auto& reply : replies) {
    CHECK(reply.status == 403);
    CHECK(problem_type(reply) == "unauthorized");
  }
  CHECK(body_of(alice.post_as_get(alice.kid))["status"] == "valid");
}

TEST_CASE("key change moves the account to the new key and the old key stops working", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto old_key = client.key;
  auto new_key = PrivateKey::generate(PrivateKey::Kind::eddsa);
  auto reply = change_key(client, new_key, old_key.public_key().to_jwk());
  REQUIRE(reply.status == 200);
  CHECK(body_of(reply)["key"] == new_key.public_key().to_jwk());

  auto with_old = client.post_as_get(client.kid);
  CHECK(with_old.status >= 400);
  CHECK(problem_type(with_old) == "badSignatureAlgorithm");  // ES256 signature, EdDSA account key
  CHECK(client.register_account({{"onlyReturnExisting", true}}).status == 400);

  client.key = new_key;
  CHECK(client.post_as_get(client.kid).status == 200);
  auto found = client.register_account({{"onlyReturnExisting", true}});
  CHECK(found.status == 200);
  CHECK(found.header("Location") == client.kid);
}

TEST_CASE("key change to a key of the same type leaves the old key's signatures unverifiable", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto old_key = client.key;
  auto new_key = PrivateKey::generate(PrivateKey::Kind::es256);
  REQUIRE(change_key(client, new_key, old_key.public_key().to_jwk()).status == 200);
  auto with_old = client.post_as_get(client.kid);
  CHECK(with_old.status == 400);
  CHECK(problem_type(with_old) == "malformed");
}

TEST_CASE("key change to a key another account holds is 409 with that account's Location", "[api]") {
  TestCa ca;
  TestClient client(ca), holder(ca);
  REQUIRE(client.register_account().status == 201);
  REQUIRE(holder.register_account().status == 201);
  auto reply = change_key(client, holder.key, client.key.public_key().to_jwk());
  CHECK(reply.status == 409);
  CHECK(reply.header("Location") == holder.kid);
  CHECK(client.post_as_get(client.kid).status == 200);
}

TEST_CASE("key change with an oldKey that is not the account's key is unauthorized", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto new_key = PrivateKey::generate(PrivateKey::Kind::es256);
  auto stranger = PrivateKey::generate(PrivateKey::Kind::es256);
  auto reply = change_key(client, new_key, stranger.public_key().to_jwk());
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "unauthorized");
  CHECK(client.post_as_get(client.kid).status == 200);
}

TEST_CASE("key change refuses a badly formed inner JWS", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto new_key = PrivateKey::generate(PrivateKey::Kind::es256);
  auto other = PrivateKey::generate(PrivateKey::Kind::es256);
  auto jwk = new_key.public_key().to_jwk();
  auto what =
      GENERATE(as<std::string>{}, "a nonce", "another url", "a kid instead of a jwk", "a jwk of another key");
  nlohmann::json header = {{"url", kKeyChange}, {"jwk", jwk}};
  if (what == "a nonce") header["nonce"] = client.nonce();
  if (what == "another url") header["url"] = kBase + "/acme/new-order";
  if (what == "a kid instead of a jwk") header = {{"url", kKeyChange}, {"kid", client.kid}};
  if (what == "a jwk of another key") header["jwk"] = other.public_key().to_jwk();
  CAPTURE(what);
  auto reply = change_key(client, new_key, client.key.public_key().to_jwk(), header);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
  CHECK(client.post_as_get(client.kid).status == 200);
}

TEST_CASE("the orders list pages three at a time with a next link", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto orders_url = body_of(client.post_as_get(client.kid))["orders"].get<std::string>();
  CHECK(body_of(client.post_as_get(orders_url))["orders"] == nlohmann::json::array());

  std::vector<std::string> created;
  for (int i = 0; i < 4; ++i) {
    auto reply = client.new_order({"host" + std::to_string(i) + ".example.com"});
    REQUIRE(reply.status == 201);
    created.emplace_back(reply.header("Location"));
  }
  auto first = client.post_as_get(orders_url);
  REQUIRE(first.status == 200);
  auto page1 = body_of(first)["orders"];
  CHECK(page1.size() == 3);
  auto next = cobble::test::link_target(first, "next");
  REQUIRE(next.starts_with(orders_url + "?"));

  auto second = client.post_as_get(next);
  REQUIRE(second.status == 200);
  auto page2 = body_of(second)["orders"];
  CHECK(page2.size() == 1);
  CHECK(cobble::test::link_target(second, "next").empty());

  std::set<std::string> listed;
  for (const auto& o : page1) listed.insert(o.get<std::string>());
  for (const auto& o : page2) listed.insert(o.get<std::string>());
  CHECK(listed == std::set<std::string>(created.begin(), created.end()));

  auto bad = client.post_as_get(orders_url + "?cursor=x");
  CHECK(problem_type(bad) == "malformed");
}
