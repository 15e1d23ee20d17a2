#include "app/letsencrypt_preset.hpp"

namespace cobble::app {

nlohmann::json letsencrypt_preset() {
  // Values from Let's Encrypt's published profiles, rate limits and Boulder's configuration
  // (late 2026); CRL sharding as Boulder's test configuration (10 shards, 216 hours); MPIC with
  // 3 remote perspectives in 2 RIRs corroborating (4 remotes named by region, one may fail).
  // Profile lifetimes are seconds.
  return nlohmann::json::parse(R"json({
  "vaRemotePerspectives": [
    {"name": "us-east", "rir": "ARIN"},
    {"name": "us-west", "rir": "ARIN"},
    {"name": "eu-central", "rir": "RIPE"},
    {"name": "ap-southeast", "rir": "APNIC"}
  ],
  "vaRemoteQuorum": 3,
  "intermediatesPerKeyType": 3,
  "http01RedirectPorts": "standard",
  "requireTermsOfService": true,
  "termsRefusal": "malformed",
  "finalizeAnswersProcessing": true,
  "revocationReasons": [0, 1, 4, 5],
  "directoryRandomEntry": true,
  "caaIdentities": ["letsencrypt.org"],
  "caaEnabled": true,
  "keyPolicy": "letsencrypt",
  "acceptOrderValidity": false,
  "serveRevokedCertificates": true,
  "ariRetryAfterJitterPercent": 20,
  "retryAfterOrderSeconds": 3,
  "authzReusePercent": 100,
  "ocspResponderURL": "",
  "certificatePolicies": ["2.23.140.1.2.1"],
  "rateLimits": "letsencrypt",
  "requestLimits": "letsencrypt",
  "pauseEnabled": true,
  "pauseBurst": 1152,
  "pauseRefillCount": 1,
  "pauseRefillPeriodHours": 24,
  "pauseGraceDays": 14,
  "pauseBoulderProblem": true,
  "crlShards": 10,
  "crlLifetimeHours": 216,
  "profiles": {
    "classic": {
      "description": "Let's Encrypt's classic profile: 90 days, the first name as subject CN, serverAuth only (clientAuth was removed in 2026)",
      "validityPeriod": 7776000,
      "orderLifetime": 604800,
      "pendingAuthzLifetime": 604800,
      "validAuthzLifetime": 2592000,
      "maxIdentifiers": 100,
      "identifierTypes": ["dns"],
      "promoteCommonName": true,
      "keyEncipherment": true,
      "subjectKeyIdentifier": true,
      "extendedKeyUsages": ["serverAuth"]
    },
    "tlsserver": {
      "description": "45 days (since 2026-05-13), no subject CN, serverAuth only",
      "validityPeriod": 3888000,
      "orderLifetime": 28800,
      "pendingAuthzLifetime": 3600,
      "validAuthzLifetime": 25200,
      "maxIdentifiers": 25,
      "identifierTypes": ["dns"],
      "promoteCommonName": false,
      "keyEncipherment": false,
      "subjectKeyIdentifier": false,
      "extendedKeyUsages": ["serverAuth"]
    },
    "shortlived": {
      "description": "160 hours (6 days and 16 hours), DNS names and IP addresses, no subject CN, serverAuth only",
      "validityPeriod": 576000,
      "orderLifetime": 28800,
      "pendingAuthzLifetime": 3600,
      "validAuthzLifetime": 25200,
      "maxIdentifiers": 25,
      "identifierTypes": ["dns", "ip"],
      "promoteCommonName": false,
      "keyEncipherment": false,
      "subjectKeyIdentifier": false,
      "extendedKeyUsages": ["serverAuth"]
    }
  },
  "defaultProfile": "classic"
})json");
}

void apply_letsencrypt_preset(Config& config) {
  // The preset is a constant checked by app_config_test: it always applies.
  apply_json(config, letsencrypt_preset()).value();
}

}  // namespace cobble::app
