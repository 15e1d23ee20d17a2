#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "authority/pauses.hpp"

namespace cobble::app {

// POSTs each pause notice as JSON to a webhook (an email gateway, a chat bot, ...):
//   {"event": "paused"|"repaused", "account": 1, "contacts": [...], "identifier": "...",
//    "unpauseUrl": "https://…/sfe/v1/unpause?jwt=…"}
// Asynchronous on the io_context, 10 s per notice, https verified against the system's CAs.
// Failures are logged and dropped (the pause itself is already stored).
class WebhookNotifier final : public authority::PauseNotifier {
 public:
  WebhookNotifier(boost::asio::io_context& io, std::string url) : io_(io), url_(std::move(url)) {}
  void notify(const authority::PauseNotice& notice) override;

 private:
  boost::asio::io_context& io_;
  std::string url_;
};

}  // namespace cobble::app
