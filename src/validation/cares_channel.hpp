#pragma once

#include <ares.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "validation/resolver.hpp"

// One c-ares channel driven from an io_context, private to validation/ (the Resolver's lookups
// are its only user): its sockets wait on Asio, its retries and timeouts are a steady timer, and
// each query completes through Asio. What the answers mean is resolver.cpp's and dns_answers'.
namespace cobble::validation::cares {

// The raw outcome of one ares_query: its status and the whole response message.
struct QueryAnswer {
  int status = ARES_ENODATA;
  std::vector<unsigned char> message;
};
using Answers = std::vector<QueryAnswer>;

// Everything runs on the channel's strand: the c-ares callbacks (answers and socket state) are only
// ever invoked from inside ares_* calls made there, so they run on the strand too and the Channel
// is alive whenever they run. Pending completion handlers hold no Channel reference; the socket
// waits, the timer and queued work hold a shared_ptr, so the Channel lives until they finish.
class Channel : public std::enable_shared_from_this<Channel> {
 public:
  // Fails (std::runtime_error) when c-ares cannot initialise or `options.server` is malformed.
  Channel(boost::asio::any_io_executor executor, const Resolver::Options& options);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Sends one query per type for `name` concurrently; completes with their answers in `types`
  // order (ARES_EDESTRUCTION once the channel is shut down). Names are absolute: no search domains.
  static boost::asio::awaitable<Answers> query(std::shared_ptr<Channel> channel, std::string name,
                                               std::vector<int> types);
  // Shuts the channel down on its strand, after every query queued before: they complete with
  // ARES_EDESTRUCTION.
  static void shut_down_later(std::shared_ptr<Channel> channel);

 private:
  struct Watch;
  struct PendingBase;
  template <class Handler>
  struct Pending;
  struct Slot;

  void shutdown();
  void destroy_channel();
  void start_queries(const std::string& name, const std::vector<int>& types,
                     const std::shared_ptr<PendingBase>& pending);
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  void update_watch(ares_socket_t fd, bool readable, bool writable);
  void close_watch(Watch& watch);
  void arm(const std::shared_ptr<Watch>& watch);
  void on_readable(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec);
  void on_writable(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec);
  void process(ares_socket_t read_fd, ares_socket_t write_fd);
  void reschedule_timer();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  bool shut_down_ = false;
  bool in_destructor_ = false;
};

}  // namespace cobble::validation::cares
