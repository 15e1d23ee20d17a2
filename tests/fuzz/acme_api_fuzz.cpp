// fuzz: stateful (keeps a server between inputs; scripts/fuzz checks leaks at exit, not per input)
// Every ACME endpoint's payload decoder, reached with a validly signed JWS: the first byte of an
// input picks the endpoint, the rest is the payload (signed as it is, so any bytes get through the
// JWS layer to the decoder). The replies must be well-formed; state is wiped every few thousand
// inputs so memory stays flat.
#include <memory>

#include "fuzz_ca.hpp"
#include "fuzz_input.hpp"

using namespace cobble;

namespace {

struct World {
  fuzz::FuzzCa ca;
  std::unique_ptr<fuzz::FuzzClient> client;
  fuzz::Targets targets;
  std::size_t inputs = 0;

  World() { renew(); }
  void renew() {
    client = std::make_unique<fuzz::FuzzClient>(ca);
    targets = fuzz::Targets::make(ca, *client);
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = world();
  if (size == 0) return 0;
  const std::string base = fuzz::FuzzCa::kBase;
  const std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& t = w.targets;
  api::Reply reply;
  bool spoils = false;  // the request may change the account or its key
  switch (data[0] % 13) {
    case 0: {  // a new account's payload, under a key of its own
      fuzz::FuzzClient stranger(w.ca);
      reply = stranger.post(base + "/acme/new-account", payload, true);
      break;
    }
    case 1:
      reply = w.client->post(t.account, payload);
      spoils = true;
      break;
    case 2:
      reply = w.client->post(t.account + "/orders", payload);
      break;
    case 3:
      reply = w.client->post(base + "/acme/new-order", payload);
      break;
    case 4:
      reply = w.client->post(t.order, payload);
      break;
    case 5:
      reply = w.client->post(t.finalize, payload);
      break;
    case 6:
      reply = w.client->post(t.authz, payload);
      break;
    case 7:
      reply = w.client->post(t.challenge, payload);
      break;
    case 8:
      reply = w.client->post(t.certificate, payload);
      break;
    case 9:
      reply = w.client->post(base + "/acme/revoke-cert", payload);
      break;
    case 10:
      reply = w.client->post(base + "/acme/key-change", payload);
      spoils = true;
      break;
    case 11:  // renewal information: the payload is the certID part of the path
      reply = w.ca.send("GET", "/acme/renewal-info/" + payload, "", "");
      break;
    default:  // a body that is not what the JWS layer expects at all
      reply = w.ca.send("POST", "/acme/new-order", payload);
      break;
  }
  FUZZ_CHECK(reply.status >= 200 && reply.status < 600);
  FUZZ_CHECK(reply.status != 500);  // a bad request is the client's fault, never an internal error
  if (reply.content_type == "application/problem+json" || reply.content_type == "application/json") {
    FUZZ_CHECK(!nlohmann::json::parse(reply.body, nullptr, false).is_discarded());
  }
  w.ca.drain();
  if (++w.inputs % 2000 == 0) {
    (void)w.ca.components().store->reset();
    w.renew();
  } else if (spoils && reply.status < 300) {
    w.renew();
  }
  return 0;
}
