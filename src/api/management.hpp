#pragma once

#include <string>

#include "api/message.hpp"
#include "authority/certificates.hpp"
#include "authority/pauses.hpp"
#include "authority/renewal_info.hpp"
#include "common/clock.hpp"

namespace cobble::api {

// What the management listener serves. Built by app/; references outlive the API.
struct ManagementServices {
  std::string https_ca_pem;  // the CA that signed the server's own HTTPS certificate
  std::string root_pem;
  std::string root_key_pem;
  std::string intermediate_pem;
  std::string intermediate_key_pem;
  const authority::Certificates& certificates;
  common::FakeClock* fake_clock = nullptr;               // set when started with --fake-clock
  const common::Clock* clock = nullptr;                  // ACME time, for GET /clock
  const authority::Pauses* pauses = nullptr;             // operators' pause actions
  const authority::RenewalInfo* renewal_info = nullptr;  // POST /set-renewal-info/
};

// The management listener (Pebble's port 15000, Pebble's paths): /healthz, /https-ca,
// /roots/0, /root-keys/0, /intermediates/0, /intermediate-keys/0, /cert-status-by-serial/<hex>;
// POST /set-renewal-info/; and Cobble's: GET/POST /clock (fake clock), POST /pause, POST /unpause, GET
// /paused.
Reply handle_management(const Request& request, ManagementServices& services);

}  // namespace cobble::api
