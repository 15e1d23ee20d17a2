#include "challsrv/management.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "challsrv/dns_wire.hpp"
#include "common/text.hpp"

namespace cobble::challsrv {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

// Longest TXT value we accept: its RDATA (value plus one length octet per 255) must fit in 65535.
constexpr std::size_t kMaxTxtValue = 60000;

// Reads fields from a JSON object, remembering the first problem so a handler can read all its
// fields and check once.
class Fields {
 public:
  explicit Fields(const json& body) : body_(body) {}

  bool failed() const { return error_.has_value(); }
  std::unexpected<std::string> failure() const { return std::unexpected(*error_); }

  // Go's encoding/json: exact key first, then any case. nullptr when absent or null.
  const json* find(std::string_view name) const {
    if (auto it = body_.find(name); it != body_.end()) return it->is_null() ? nullptr : &*it;
    for (auto it = body_.begin(); it != body_.end(); ++it) {
      if (common::iequals(it.key(), name)) return it->is_null() ? nullptr : &*it;
    }
    return nullptr;
  }
  // "" when absent.
  std::string text(std::string_view name) {
    const json* value = find(name);
    if (!value) return {};
    if (!value->is_string()) return fail(std::string(name) + " must be a string"), std::string{};
    return value->get<std::string>();
  }
  std::string required(std::string_view name) {
    auto value = text(name);
    if (value.empty()) fail(std::string(name) + " must not be empty");
    return value;
  }
  std::string host(std::string_view name = "host") {
    auto value = required(name);
    if (!value.empty() && !dns::encode_name(value)) fail(std::string(name) + " is not a valid DNS name");
    return value;
  }
  std::vector<std::string> addresses(bool v6) {
    std::vector<std::string> out;
    const json* list = find("addresses");
    if (!list || !list->is_array() || list->empty()) return fail("addresses must be a non-empty list"), out;
    for (const auto& item : *list) {
      bool ok = item.is_string() &&
                (v6 ? dns::rdata_aaaa(item.get<std::string>()) : dns::rdata_a(item.get<std::string>()));
      if (!ok) return fail("addresses must be IPv" + std::string(v6 ? "6" : "4") + " addresses"), out;
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  std::vector<CaaPolicy> policies() {
    std::vector<CaaPolicy> out;
    const json* list = find("policies");
    if (!list || !list->is_array() || list->empty()) return fail("policies must be a non-empty list"), out;
    for (const auto& item : *list) {
      if (!item.is_object()) return fail("each policy must be an object"), out;
      Fields policy(item);
      CaaPolicy p{policy.required("tag"), policy.text("value")};
      if (policy.failed() || p.tag.size() > 255) return fail("each policy needs a tag of 1-255 octets"), out;
      out.push_back(std::move(p));
    }
    return out;
  }
  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }

 private:
  const json& body_;
  std::optional<std::string> error_;
};

// A handler's result: nothing (200, empty body), a JSON document (200), or a 400 reason.
using Outcome = std::expected<std::optional<json>, std::string>;
using Handler = Outcome (*)(State&, Fields&);

Outcome set_default(State& state, Fields& f, bool v6) {
  auto ip = f.text("ip");
  if (!ip.empty() && !(v6 ? dns::rdata_aaaa(ip) : dns::rdata_a(ip)))
    f.fail("ip is not an IPv" + std::string(v6 ? "6" : "4") + " address");
  if (f.failed()) return f.failure();
  v6 ? state.set_default_ipv6(ip) : state.set_default_ipv4(ip);
  spdlog::info("default {} answer set to '{}'", v6 ? "AAAA" : "A", ip);
  return {};
}

Outcome add_addresses(State& state, Fields& f, bool v6) {
  auto host = f.host();
  auto addresses = f.addresses(v6);
  if (f.failed()) return f.failure();
  state.add_records(v6 ? RecordSet::aaaa : RecordSet::a, host, addresses);
  spdlog::info("added {} records for {}: {}", v6 ? "AAAA" : "A", host, fmt::join(addresses, ", "));
  return {};
}

// The many "{host}" → one call endpoints.
template <auto Method>
Outcome host_only(State& state, Fields& f) {
  auto host = f.host();
  if (f.failed()) return f.failure();
  (state.*Method)(host);
  return {};
}

template <RecordSet Set>
Outcome clear_records(State& state, Fields& f) {
  auto host = f.host();
  if (f.failed()) return f.failure();
  state.clear_records(Set, host);
  return {};
}

json to_json(const HttpEvent& e) {
  return {{"URL", e.url},
          {"Host", e.host},
          {"HTTPS", e.https},
          {"ServerName", e.server_name},
          {"UserAgent", e.user_agent}};
}
json to_json(const DnsEvent& e) {
  return {{"Question", {{"Name", e.name}, {"Qtype", e.qtype}, {"Qclass", e.qclass}}},
          {"UserAgent", e.user_agent}};
}
json to_json(const TlsAlpnEvent& e) {
  return {{"ServerName", e.server_name}, {"SupportedProtos", e.supported_protos}};
}

template <class Event>
json to_json_list(const std::vector<Event>& events) {
  json list = json::array();
  for (const auto& e : events) list.push_back(to_json(e));
  return list;
}

const std::map<std::string, Handler, std::less<>>& routes() {
  static const std::map<std::string, Handler, std::less<>> table = {
      {"/set-default-ipv4", [](State& s, Fields& f) { return set_default(s, f, false); }},
      {"/set-default-ipv6", [](State& s, Fields& f) { return set_default(s, f, true); }},
      {"/add-a", [](State& s, Fields& f) { return add_addresses(s, f, false); }},
      {"/add-aaaa", [](State& s, Fields& f) { return add_addresses(s, f, true); }},
      {"/clear-a", clear_records<RecordSet::a>},
      {"/clear-aaaa", clear_records<RecordSet::aaaa>},
      {"/clear-txt", clear_records<RecordSet::txt>},
      {"/set-txt",
       [](State& s, Fields& f) -> Outcome {
         auto host = f.host();
         auto value = f.required("value");
         if (value.size() > kMaxTxtValue) f.fail("value is too long");
         if (f.failed()) return f.failure();
         s.add_records(RecordSet::txt, host, {value});
         spdlog::info("added TXT record for {}: {}", host, value);
         return {};
       }},
      {"/add-caa",
       [](State& s, Fields& f) -> Outcome {
         auto host = f.host();
         auto policies = f.policies();
         if (f.failed()) return f.failure();
         s.add_caa(host, policies);
         return {};
       }},
      {"/clear-caa", host_only<&State::clear_caa>},
      {"/set-cname",
       [](State& s, Fields& f) -> Outcome {
         auto host = f.host();
         auto target = f.host("target");
         if (f.failed()) return f.failure();
         s.set_cname(host, target);
         spdlog::info("CNAME {} → {}", host, target);
         return {};
       }},
      {"/clear-cname", host_only<&State::clear_cname>},
      {"/set-servfail", host_only<&State::set_servfail>},
      {"/clear-servfail", host_only<&State::clear_servfail>},
      {"/set-nxdomain", host_only<&State::set_nxdomain>},  // Cobble extension
      {"/clear-nxdomain", host_only<&State::clear_nxdomain>},
      {"/add-http01",
       [](State& s, Fields& f) -> Outcome {
         auto token = f.required("token");
         auto content = f.required("content");
         if (f.failed()) return f.failure();
         spdlog::info("http-01 token {} added", token);
         s.add_http01(std::move(token), std::move(content));
         return {};
       }},
      {"/del-http01",
       [](State& s, Fields& f) -> Outcome {
         auto token = f.required("token");
         if (f.failed()) return f.failure();
         s.del_http01(token);
         return {};
       }},
      // Cobble extensions: {"source": "127.0.0.3"} makes http-01 answers to that address wrong.
      {"/set-source-mismatch",
       [](State& s, Fields& f) -> Outcome {
         auto source = f.required("source");
         if (f.failed()) return f.failure();
         spdlog::info("http-01 answers to {} are now wrong", source);
         s.set_source_mismatch(std::move(source));
         return {};
       }},
      {"/clear-source-mismatch",
       [](State& s, Fields& f) -> Outcome {
         auto source = f.required("source");
         if (f.failed()) return f.failure();
         s.clear_source_mismatch(source);
         return {};
       }},
      {"/add-redirect",
       [](State& s, Fields& f) -> Outcome {
         auto path = f.required("path");
         auto target = f.required("targetURL");
         if (f.failed()) return f.failure();
         spdlog::info("redirect {} → {}", path, target);
         s.add_redirect(std::move(path), std::move(target));
         return {};
       }},
      {"/del-redirect",
       [](State& s, Fields& f) -> Outcome {
         auto path = f.required("path");
         if (f.failed()) return f.failure();
         s.del_redirect(path);
         return {};
       }},
      {"/add-tlsalpn01",
       [](State& s, Fields& f) -> Outcome {
         auto host = f.host();
         auto content = f.required("content");
         if (f.failed()) return f.failure();
         spdlog::info("tls-alpn-01 key authorization added for {}", host);
         s.add_tlsalpn01(host, std::move(content));
         return {};
       }},
      {"/del-tlsalpn01", host_only<&State::del_tlsalpn01>},
      {"/http-request-history",
       [](State& s, Fields& f) -> Outcome {
         auto host = f.required("host");
         if (f.failed()) return f.failure();
         return to_json_list(s.http_history(host));
       }},
      {"/dns-request-history",
       [](State& s, Fields& f) -> Outcome {
         auto host = f.required("host");
         if (f.failed()) return f.failure();
         return to_json_list(s.dns_history(host));
       }},
      {"/tlsalpn01-request-history",
       [](State& s, Fields& f) -> Outcome {
         auto host = f.required("host");
         if (f.failed()) return f.failure();
         return to_json_list(s.tlsalpn_history(host));
       }},
      {"/clear-request-history",
       [](State& s, Fields& f) -> Outcome {
         static const std::map<std::string, EventType, std::less<>> kTypes = {
             {"http", EventType::http}, {"dns", EventType::dns}, {"tlsalpn", EventType::tlsalpn}};
         auto host = f.required("host");
         auto type = f.text("type");
         auto it = kTypes.find(type);
         if (it == kTypes.end()) f.fail("\"" + type + "\" event type unknown");
         if (f.failed()) return f.failure();
         s.clear_history(host, it->second);
         return {};
       }},
  };
  return table;
}

HttpResponse reply(const HttpRequest& request, http::status status, std::string body, std::string_view type) {
  HttpResponse response{status, request.version()};
  if (!body.empty()) {
    response.set(http::field::content_type, type);
    response.body() = std::move(body);
  }
  return response;
}

}  // namespace

HttpResponse handle_management(State& state, const HttpRequest& request) {
  const std::string_view target = request.target();
  auto route = routes().find(target.substr(0, target.find('?')));
  if (route == routes().end())
    return reply(request, http::status::not_found, "404 page not found\n", "text/plain; charset=utf-8");
  auto bad = [&](std::string reason) {
    return reply(request, http::status::bad_request, std::move(reason) + "\n", "text/plain; charset=utf-8");
  };
  if (request.body().empty()) return bad("request body must not be empty");
  auto body = json::parse(request.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return bad("request body must be a JSON object");
  Fields fields(body);
  auto outcome = route->second(state, fields);
  if (!outcome) return bad(std::move(outcome.error()));
  if (!*outcome) return reply(request, http::status::ok, "", "");
  return reply(request, http::status::ok, (*outcome)->dump(3), "application/json; charset=utf-8");
}

}  // namespace cobble::challsrv
