#include <catch2/catch.hpp>

#include "http/forwarded.hpp"

// Behind a proxy (issue #16): which addresses are trusted, how Forwarded (RFC 7239) and
// X-Forwarded-* are read, and what a request's links and client address become.

using namespace cobble;
using http::ListenerOrigin;
using http::request_origin;
using http::TrustedProxies;
namespace ip = boost::asio::ip;

namespace {

TrustedProxies trust(const std::vector<std::string>& entries) {
  return TrustedProxies::parse(entries).value();
}

ip::address addr(const char* text) { return ip::make_address(text); }

}  // namespace

TEST_CASE("trusted proxies match addresses and CIDR networks, IPv4 and IPv6", "[http][forwarded]") {
  auto trusted = trust({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"});
  CHECK(trusted.contains(addr("10.1.2.3")));
  CHECK(trusted.contains(addr("10.255.255.255")));
  CHECK_FALSE(trusted.contains(addr("11.0.0.1")));
  CHECK(trusted.contains(addr("192.0.2.7")));
  CHECK_FALSE(trusted.contains(addr("192.0.2.8")));
  CHECK(trusted.contains(addr("2001:db8:ffff::1")));
  CHECK_FALSE(trusted.contains(addr("2001:db9::1")));
  CHECK(trusted.contains(addr("::1")));
  CHECK_FALSE(trusted.contains(addr("::2")));
  // A dual-stack socket reports an IPv4 peer as IPv4-mapped IPv6.
  CHECK(trusted.contains(addr("::ffff:10.9.9.9")));
  CHECK_FALSE(trusted.contains(addr("::ffff:11.0.0.1")));
  CHECK(trust({"0.0.0.0/0"}).contains(addr("203.0.113.9")));
  CHECK_FALSE(trust({"0.0.0.0/0"}).contains(addr("2001:db8::1")));
  CHECK_FALSE(TrustedProxies().contains(addr("127.0.0.1")));
  CHECK(TrustedProxies().empty());
  CHECK(trust({"127.0.0.1", "fd00::/8"}).describe() == "127.0.0.1/32, fd00::/8");
}

TEST_CASE("trusted proxies refuse what is not an address or network, naming it", "[http][forwarded]") {
  auto [entry, says] = GENERATE(table<std::string, std::string>({
      {"proxy.example.com", "host names are not resolved"},
      {"10.0.0.0/33", "prefix length outside 0-32"},
      {"2001:db8::/129", "prefix length outside 0-128"},
      {"10.0.0.0/", "prefix length"},
      {"10.0.0.0/8x", "prefix length"},
      {"10.0.0.0/-1", "prefix length"},
      {"10.0.0.1/8", "host bits set: the network is 10.0.0.0/8"},
      {"2001:db8::1/32", "host bits set"},
      {"", "is not an IP address"},
      {"*", "is not an IP address"},
  }));
  CAPTURE(entry);
  auto parsed = TrustedProxies::parse({entry});
  REQUIRE_FALSE(parsed);
  CHECK_THAT(parsed.error().message, Catch::Contains(says) && Catch::Contains("\"" + entry + "\""));
}

TEST_CASE("Forwarded elements are parsed as RFC 7239 writes them", "[http][forwarded]") {
  auto elements = http::parse_forwarded(
      R"(for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711";HOST="a.example:8443")");
  REQUIRE(elements);
  REQUIRE(elements->size() == 2);
  CHECK((*elements)[0].for_node == "192.0.2.60");
  CHECK((*elements)[0].proto == "http");
  CHECK((*elements)[0].host.empty());
  CHECK((*elements)[1].for_node == "[2001:db8:cafe::17]:4711");
  CHECK((*elements)[1].host == "a.example:8443");
  // Quoted pairs, empty list items and pairs, white space around separators.
  elements = http::parse_forwarded(R"( , for="a\"b" ;; proto=https ,, for=unknown ,)");
  REQUIRE(elements);
  REQUIRE(elements->size() == 2);
  CHECK((*elements)[0].for_node == "a\"b");
  CHECK((*elements)[0].proto == "https");
  CHECK((*elements)[1].for_node == "unknown");
  CHECK(http::parse_forwarded("")->empty());
}

TEST_CASE("Forwarded text that is not RFC 7239 is refused", "[http][forwarded]") {
  auto text = GENERATE(as<std::string>{}, "for", "for=", "for=[2001:db8::1]", R"(for="192.0.2.1)",
                       "for=1.2.3.4;for=5.6.7.8", "for=1.2.3.4 proto=http", "=1.2.3.4", "for=a\"b\"",
                       "for=\"a\x01\"", "host=a/b", "for=1.2.3.4;proto=https;proto=http");
  CAPTURE(text);
  CHECK_FALSE(http::parse_forwarded(text));
}

TEST_CASE("a forwarded node's address is read with or without brackets and port", "[http][forwarded]") {
  CHECK(http::node_address("192.0.2.60") == addr("192.0.2.60"));
  CHECK(http::node_address("192.0.2.60:4711") == addr("192.0.2.60"));
  CHECK(http::node_address("[2001:db8::1]") == addr("2001:db8::1"));
  CHECK(http::node_address("[2001:db8::1]:4711") == addr("2001:db8::1"));
  CHECK(http::node_address(" 2001:db8::1 ") == addr("2001:db8::1"));  // X-Forwarded-For's bare IPv6
  for (auto bad : {"unknown", "_hidden", "_SEVKISEK:_47", "[192.0.2.1]", "[2001:db8::1]:x", "[2001:db8::1",
                   "192.0.2.60:", "192.0.2.60:123456", "example.com", "", "1.2.3.4.5"}) {
    CAPTURE(bad);
    CHECK_FALSE(http::node_address(bad));
  }
}

TEST_CASE("only host[:port] passes into links", "[http][forwarded]") {
  for (auto good : {"acme.example.test", "acme.example.test:443", "localhost", "192.0.2.1:8443",
                    "[2001:db8::1]", "[::1]:14000", "under_score.example"}) {
    CAPTURE(good);
    CHECK(http::valid_authority(good));
  }
  for (auto bad : {"", "evil.example/path", "evil.example@good.example", "a b", "evil.example?x",
                   "evil.example#x", "a:b:c", "host:", "host:123456", "[2001:db8::1", "[fe80::1%eth0]",
                   "[192.0.2.1]", "evil\r\nX-Injected: 1", "\"quoted\"", "<script>"}) {
    CAPTURE(bad);
    CHECK_FALSE(http::valid_authority(bad));
  }
  CHECK_FALSE(http::valid_authority(std::string(254, 'a')));
}

TEST_CASE("an untrusted peer's forwarding headers are ignored", "[http][forwarded]") {
  api::Headers headers{{"Host", "cobble.internal:14080"},
                       {"X-Forwarded-For", "198.51.100.1"},
                       {"X-Forwarded-Proto", "https"},
                       {"X-Forwarded-Host", "evil.example"},
                       {"Forwarded", "for=198.51.100.2;proto=https;host=evil.example"}};
  auto nobody = TrustedProxies();
  auto origin = request_origin(headers, "192.0.2.9", ListenerOrigin{"http", "", nobody});
  CHECK(origin.base_url == "http://cobble.internal:14080");
  CHECK(origin.client_address == "192.0.2.9");
  auto others = trust({"10.0.0.0/8"});
  origin = request_origin(headers, "192.0.2.9", ListenerOrigin{"http", "", others});
  CHECK(origin.base_url == "http://cobble.internal:14080");
  CHECK(origin.client_address == "192.0.2.9");
}

TEST_CASE("X-Forwarded-* from a trusted proxy name the client and the public URL", "[http][forwarded]") {
  auto proxies = trust({"10.0.0.0/8"});
  ListenerOrigin plain{"http", "", proxies};
  api::Headers headers{{"Host", "cobble.internal:14080"},
                       {"X-Forwarded-For", "198.51.100.1"},
                       {"X-Forwarded-Proto", "https"},
                       {"X-Forwarded-Host", "acme.example.test:8443"}};
  auto origin = request_origin(headers, "10.0.0.2", plain);
  CHECK(origin.base_url == "https://acme.example.test:8443");
  CHECK(origin.client_address == "198.51.100.1");

  SECTION("the walk from the right skips trusted proxies and stops at the first stranger") {
    // The client made up the two left entries; the edge proxy appended what it saw.
    headers[1].second = "1.1.1.1, 203.0.113.5, 198.51.100.1, 10.0.0.7";
    CHECK(request_origin(headers, "10.0.0.2", plain).client_address == "198.51.100.1");
    // Several X-Forwarded-For fields are one list.
    headers[1].second = "203.0.113.5";
    headers.emplace_back("X-Forwarded-For", "198.51.100.1:5555, [2001:db8::7]:80");
    CHECK(request_origin(headers, "10.0.0.2", plain).client_address == "2001:db8::7");
  }
  SECTION("an entry that is no address stops the walk at the proxy that wrote it") {
    headers[1].second = "198.51.100.1, unknown, 10.0.0.7";
    CHECK(request_origin(headers, "10.0.0.2", plain).client_address == "10.0.0.7");
    headers[1].second = "198.51.100.1, <script>";
    CHECK(request_origin(headers, "10.0.0.2", plain).client_address == "10.0.0.2");
  }
  SECTION("every entry trusted: the left-most is the client") {
    headers[1].second = "10.0.0.9, 10.0.0.7";
    CHECK(request_origin(headers, "10.0.0.2", plain).client_address == "10.0.0.9");
  }
  SECTION("no X-Forwarded-For: the proxy itself is the client") {
    headers.erase(headers.begin() + 1);
    CHECK(request_origin(headers, "10.0.0.2", plain).client_address == "10.0.0.2");
  }
  SECTION("lists of proto and host: the left-most, what the first proxy received") {
    headers[2].second = "https, http";
    headers[3].second = "acme.example.test, lb.internal";
    CHECK(request_origin(headers, "10.0.0.2", plain).base_url == "https://acme.example.test");
  }
  SECTION("an IPv4-mapped trusted peer is trusted, and named as IPv4 when it is the client") {
    headers.erase(headers.begin() + 1);
    auto mapped = request_origin(headers, "::ffff:10.0.0.2", plain);
    CHECK(mapped.base_url == "https://acme.example.test:8443");
    CHECK(mapped.client_address == "10.0.0.2");
  }
  SECTION("externalUrl wins over the headers for links; the client still comes from them") {
    auto fixed = request_origin(headers, "10.0.0.2", {"http", "https://acme.example.com", proxies});
    CHECK(fixed.base_url == "https://acme.example.com");
    CHECK(fixed.client_address == "198.51.100.1");
  }
}

TEST_CASE("hostile forwarded values never reach a link", "[http][forwarded]") {
  auto proxies = trust({"127.0.0.1"});
  ListenerOrigin plain{"http", "", proxies};
  auto [proto, host, expected] = GENERATE(table<std::string, std::string, std::string>({
      {"https", "evil.example/phish?", "https://cobble.internal"},
      {"https", "good.example@evil.example", "https://cobble.internal"},
      {"javascript", "acme.example.test", "http://acme.example.test"},
      {"https\r\nX: 1", "acme.example.test", "http://acme.example.test"},
      {"HTTPS", "acme.example.test", "https://acme.example.test"},
      {"", "", "http://cobble.internal"},
  }));
  CAPTURE(proto, host);
  api::Headers headers{{"Host", "cobble.internal"}, {"X-Forwarded-Proto", proto}, {"X-Forwarded-Host", host}};
  CHECK(request_origin(headers, "127.0.0.1", plain).base_url == expected);
  // The same values in Forwarded (quoted, as they must be).
  api::Headers forwarded{{"Host", "cobble.internal"},
                         {"Forwarded", "for=192.0.2.1;proto=\"" + proto + "\";host=\"" + host + "\""}};
  if (proto.find('\r') == std::string::npos) {  // a control character is malformed Forwarded, below
    CHECK(request_origin(forwarded, "127.0.0.1", plain).base_url == expected);
  }
  // A bad Host without any forwarding header falls back to localhost, as before proxies were known.
  CHECK(request_origin({{"Host", "evil.example/x"}}, "127.0.0.1", plain).base_url == "http://localhost");
}

TEST_CASE("Forwarded from a trusted proxy names the client and the public URL", "[http][forwarded]") {
  auto proxies = trust({"127.0.0.0/8", "fd00::/8"});
  ListenerOrigin plain{"http", "", proxies};
  auto origin_of = [&](const std::string& forwarded, const char* peer = "127.0.0.2") {
    return request_origin({{"Host", "cobble.internal:14080"}, {"Forwarded", forwarded}}, peer, plain);
  };

  auto origin = origin_of(R"(for="[2001:db8::1]:4711";proto=https;host="acme.example.test:8443")");
  CHECK(origin.client_address == "2001:db8::1");
  CHECK(origin.base_url == "https://acme.example.test:8443");

  // A chain: the client (192.0.2.200) made up the first element, the edge proxy wrote the second
  // (what it received from the client), an inner proxy (fd00::5 sent it on) the third. proto and
  // host come from the element where the walk stopped: the edge's.
  origin = origin_of(
      R"(for=6.6.6.6;proto=http;host=evil.example, for=192.0.2.200;proto=https;host=acme.example.test, )"
      R"(for="[fd00::5]";proto=http;host=lb.internal)");
  CHECK(origin.client_address == "192.0.2.200");
  CHECK(origin.base_url == "https://acme.example.test");

  // An unknown client: the trusted proxy that said so is the client, its element the base.
  origin = origin_of("for=unknown;proto=https;host=acme.example.test, for=127.0.0.9");
  CHECK(origin.client_address == "127.0.0.9");
  CHECK(origin.base_url == "https://acme.example.test");

  // An element without proto or host: the listener's scheme and the Host header.
  origin = origin_of("for=192.0.2.1");
  CHECK(origin.client_address == "192.0.2.1");
  CHECK(origin.base_url == "http://cobble.internal:14080");

  // Forwarded wins over X-Forwarded-*; several Forwarded fields are one list.
  origin = request_origin({{"Host", "h"},
                           {"X-Forwarded-For", "198.51.100.1"},
                           {"X-Forwarded-Proto", "https"},
                           {"Forwarded", "for=192.0.2.1;proto=https;host=a.example"},
                           {"Forwarded", "for=127.0.0.5"}},
                          "127.0.0.2", plain);
  CHECK(origin.client_address == "192.0.2.1");
  CHECK(origin.base_url == "https://a.example");

  // A Forwarded header that does not parse counts for nothing: the peer is the client, the
  // listener's scheme and Host the base, and X-Forwarded-* is not consulted either.
  origin =
      request_origin({{"Host", "h"}, {"X-Forwarded-For", "198.51.100.1"}, {"Forwarded", "for=\"1.2.3.4"}},
                     "127.0.0.2", plain);
  CHECK(origin.client_address == "127.0.0.2");
  CHECK(origin.base_url == "http://h");

  // Untrusted peer: nothing of it counts.
  origin = origin_of("for=192.0.2.1;proto=https;host=a.example", "192.0.2.77");
  CHECK(origin.client_address == "192.0.2.77");
  CHECK(origin.base_url == "http://cobble.internal:14080");
}
