#include "http/forwarded.hpp"

#include <cctype>
#include <charconv>

#include "common/text.hpp"

namespace cobble::http {
namespace ip = boost::asio::ip;

namespace {

// IPv4-mapped IPv6 addresses name IPv4 hosts: a dual-stack socket reports its IPv4 peers so.
ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(text, ec);
  if (ec) return std::nullopt;
  return address;
}

bool all_digits(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max) return false;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// A cursor over a Forwarded field value (RFC 7239 §4).
class ForwardedParser {
 public:
  explicit ForwardedParser(std::string_view text) : text_(text) {}

  std::optional<std::vector<ForwardedElement>> parse() {
    std::vector<ForwardedElement> elements;
    // 1#forwarded-element: elements separated by commas with optional white space; empty list
    // items are allowed and skipped (RFC 9110 §5.6.1).
    for (;;) {
      skip_ows();
      if (at_end()) break;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      auto element = parse_element();
      if (!element) return std::nullopt;
      elements.push_back(std::move(*element));
      skip_ows();
      if (at_end()) break;
      if (peek() != ',') return std::nullopt;
      ++pos_;
    }
    return elements;
  }

 private:
  // forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
  std::optional<ForwardedElement> parse_element() {
    ForwardedElement element;
    bool seen_for = false, seen_proto = false, seen_host = false;
    for (;;) {
      skip_ows();
      if (!at_end() && peek() != ';' && peek() != ',') {
        auto name = token();
        if (name.empty() || at_end() || peek() != '=') return std::nullopt;
        ++pos_;
        auto value = pair_value();
        if (!value) return std::nullopt;
        auto lower = common::ascii_lower(name);
        // RFC 7239 §4: each parameter MUST NOT occur more than once per element.
        auto keep = [&](bool& seen, std::string& field) {
          if (seen) return false;
          seen = true;
          field = std::move(*value);
          return true;
        };
        if (lower == "for" && !keep(seen_for, element.for_node)) return std::nullopt;
        if (lower == "proto" && !keep(seen_proto, element.proto)) return std::nullopt;
        if (lower == "host" && !keep(seen_host, element.host)) return std::nullopt;
        skip_ows();
      }
      if (at_end() || peek() == ',') return element;
      if (peek() != ';') return std::nullopt;
      ++pos_;
    }
  }

  // value = token / quoted-string
  std::optional<std::string> pair_value() {
    if (at_end()) return std::nullopt;
    if (peek() != '"') {
      auto value = token();
      if (value.empty()) return std::nullopt;
      return std::string(value);
    }
    ++pos_;
    std::string value;
    while (!at_end()) {
      char c = text_[pos_++];
      if (c == '"') return value;
      if (c == '\\') {
        if (at_end()) return std::nullopt;
        c = text_[pos_++];
      }
      // qdtext and quoted-pair exclude controls other than HTAB.
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return std::nullopt;
      value += c;
    }
    return std::nullopt;  // no closing quote
  }

  std::string_view token() {
    auto start = pos_;
    while (!at_end() && is_tchar(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  void skip_ows() {
    while (!at_end() && is_ows(peek())) ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// Every field named `name`, joined by ", " in order (RFC 9110 §5.3); nullopt when there is none.
std::optional<std::string> combined(const api::Headers& headers, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [field, value] : headers) {
    if (!common::iequals(field, name)) continue;
    if (out)
      *out += ", " + value;
    else
      out = value;
  }
  return out;
}

// The comma-separated items of a list field, trimmed, empty ones dropped.
std::vector<std::string_view> list_items(std::string_view text) {
  std::vector<std::string_view> items;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = common::trim(text.substr(0, comma), " \t");
    if (!item.empty()) items.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

// Walks forwarded addresses from the right (nearest) past trusted proxies (see request_origin).
// Returns the client's address and the index of the entry where the walk stopped.
struct Walk {
  ip::address client;
  std::size_t stopped_at = 0;
};
template <class NodeOf>
Walk walk_from_right(std::size_t count, const NodeOf& node_of, const ip::address& peer,
                     const TrustedProxies& trusted) {
  Walk walk{peer, 0};
  for (std::size_t i = count; i-- > 0;) {
    walk.stopped_at = i;
    auto address = node_address(node_of(i));
    if (!address) break;  // "unknown", obfuscated or garbage: the proxy that wrote it is all we know
    walk.client = unmapped(*address);
    if (!trusted.contains(walk.client)) break;
  }
  return walk;
}

std::string scheme_of(std::string_view proto) {
  auto lower = common::ascii_lower(common::trim(proto, " \t"));
  return lower == "http" || lower == "https" ? lower : std::string();
}

}  // namespace

common::Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (const auto& entry : entries) {
    auto bad = [&](const std::string& why) {
      return common::fail(std::errc::invalid_argument, "\"" + entry + "\" " + why);
    };
    std::string_view text = common::trim(entry);
    auto slash = text.find('/');
    auto address = parse_address(text.substr(0, slash));
    if (!address) {
      return bad(
          "is not an IP address or CIDR network (such as 10.0.0.0/8 or 2001:db8::/32; host names are "
          "not resolved)");
    }
    *address = unmapped(*address);
    unsigned max = address->is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
      auto digits = text.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (!all_digits(digits, 3) || ec != std::errc() || end != digits.data() + digits.size() || prefix > max)
        return bad("has a prefix length outside 0-" + std::to_string(max));
    }
    if (address->is_v4()) {
      ip::network_v4 network(address->to_v4(), static_cast<unsigned short>(prefix));
      if (network.canonical().address() != address->to_v4())
        return bad("has host bits set: the network is " + network.canonical().to_string());
      out.v4_.push_back(network);
    } else {
      ip::network_v6 network(address->to_v6(), static_cast<unsigned short>(prefix));
      if (network.canonical().address() != address->to_v6())
        return bad("has host bits set: the network is " + network.canonical().to_string());
      out.v6_.push_back(network);
    }
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& address) const {
  auto plain = unmapped(address);
  if (plain.is_v4()) {
    auto v4 = plain.to_v4();
    for (const auto& network : v4_)
      if (ip::network_v4(v4, network.prefix_length()).canonical() == network) return true;
    return false;
  }
  auto v6 = plain.to_v6();
  v6.scope_id(0);
  for (const auto& network : v6_)
    if (ip::network_v6(v6, network.prefix_length()).canonical() == network) return true;
  return false;
}

std::string TrustedProxies::describe() const {
  std::string out;
  auto add = [&](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
  for (const auto& network : v4_) add(network.to_string());
  for (const auto& network : v6_) add(network.to_string());
  return out;
}

std::optional<std::vector<ForwardedElement>> parse_forwarded(std::string_view text) {
  return ForwardedParser(text).parse();
}

std::optional<ip::address> node_address(std::string_view node) {
  node = common::trim(node, " \t");
  if (node.starts_with('[')) {
    auto close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto rest = node.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && all_digits(rest.substr(1), 5))) return std::nullopt;
    auto address = parse_address(node.substr(1, close - 1));
    if (!address || !address->is_v6()) return std::nullopt;
    return address;
  }
  if (auto address = parse_address(node)) return address;  // IPv4, or a bare IPv6 (X-Forwarded-For)
  auto colon = node.find(':');
  if (colon == std::string_view::npos || !all_digits(node.substr(colon + 1), 5)) return std::nullopt;
  auto address = parse_address(node.substr(0, colon));
  if (!address || !address->is_v4()) return std::nullopt;
  return address;
}

bool valid_authority(std::string_view text) {
  std::string_view host = text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    auto address = parse_address(text.substr(1, close - 1));
    // A zone index (%eth0) has no place in a URL we hand out.
    if (!address || !address->is_v6() || text.substr(1, close - 1).find('%') != std::string_view::npos)
      return false;
    auto rest = text.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && all_digits(rest.substr(1), 5));
  }
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    if (!all_digits(text.substr(colon + 1), 5)) return false;
    host = text.substr(0, colon);
  }
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

RequestOrigin request_origin(const api::Headers& headers, std::string_view peer,
                             const ListenerOrigin& listener) {
  std::string host_header;
  for (const auto& [field, value] : headers) {
    if (common::iequals(field, "Host")) {
      host_header = value;
      break;
    }
  }
  std::string listener_host = valid_authority(host_header) ? host_header : "localhost";
  auto base = [&](std::string_view proto, std::string_view host) {
    if (!listener.external_url.empty()) return std::string(listener.external_url);
    auto scheme = scheme_of(proto);
    auto trimmed = common::trim(host, " \t");
    return (scheme.empty() ? std::string(listener.scheme) : scheme) + "://" +
           (valid_authority(trimmed) ? std::string(trimmed) : listener_host);
  };
  auto untouched = [&] { return RequestOrigin{base("", ""), std::string(peer)}; };

  if (listener.trusted.empty()) return untouched();
  auto peer_address = parse_address(peer);
  if (!peer_address || !listener.trusted.contains(*peer_address)) return untouched();
  auto from_peer = unmapped(*peer_address);

  if (auto forwarded = combined(headers, "Forwarded")) {
    auto elements = parse_forwarded(*forwarded);
    if (!elements) return untouched();
    if (elements->empty()) return RequestOrigin{base("", ""), from_peer.to_string()};
    auto walk = walk_from_right(
        elements->size(), [&](std::size_t i) -> std::string_view { return (*elements)[i].for_node; },
        from_peer, listener.trusted);
    const auto& element = (*elements)[walk.stopped_at];
    return RequestOrigin{base(element.proto, element.host), walk.client.to_string()};
  }

  auto chain_text = combined(headers, "X-Forwarded-For").value_or("");
  auto chain = list_items(chain_text);
  auto walk = walk_from_right(
      chain.size(), [&](std::size_t i) { return chain[i]; }, from_peer, listener.trusted);
  auto first = [&](std::string_view name) -> std::string {
    auto text = combined(headers, name);
    if (!text) return {};
    auto items = list_items(*text);
    return items.empty() ? std::string() : std::string(items.front());
  };
  return RequestOrigin{base(first("X-Forwarded-Proto"), first("X-Forwarded-Host")), walk.client.to_string()};
}

}  // namespace cobble::http
