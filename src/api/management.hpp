#pragma once

#include <string>

#include "api/message.hpp"
#include "authority/certificates.hpp"

namespace cobble::api {

// What the management listener serves. Built by app/; references outlive the API.
struct ManagementServices {
  std::string https_ca_pem;  // the CA that signed the server's own HTTPS certificate
  std::string root_pem;
  std::string root_key_pem;
  std::string intermediate_pem;
  std::string intermediate_key_pem;
  const authority::Certificates& certificates;
};

// The management listener (Pebble's port 15000, Pebble's paths): /healthz, /https-ca,
// /roots/0, /root-keys/0, /intermediates/0, /intermediate-keys/0, /cert-status-by-serial/<hex>.
Reply handle_management(const Request& request, ManagementServices& services);

}  // namespace cobble::api
