#include "validation/cares_channel.hpp"

#include <arpa/nameser.h>
#include <netdb.h>

#include <algorithm>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <stdexcept>

namespace cobble::validation::cares {

namespace asio = boost::asio;

namespace {

// c-ares is initialised here, once per process, when the first Resolver is made: nothing else
// calls ares_library_init, which is not thread-safe (call_once makes it so).
void init_cares_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
      throw std::runtime_error(std::string("c-ares library init failed: ") + ares_strerror(rc));
    }
  });
}

}  // namespace

// One c-ares socket watched by Asio. The descriptor is always release()d, never closed by Asio:
// the fd belongs to c-ares.
struct Channel::Watch {
  Watch(asio::strand<asio::any_io_executor> strand, ares_socket_t s) : fd(s), descriptor(strand) {}
  ares_socket_t fd;
  asio::posix::stream_descriptor descriptor;
  bool want_read = false;
  bool want_write = false;
  bool reading = false;
  bool writing = false;
  bool closed = false;
};

// The state of one async_query: answers fill in as c-ares calls back; the last one completes.
struct Channel::PendingBase {
  explicit PendingBase(std::size_t n) : answers(n), remaining(n) {}
  virtual ~PendingBase() = default;
  virtual void complete() = 0;
  Channel* channel = nullptr;
  Answers answers;
  std::size_t remaining;
};
template <class Handler>
struct Channel::Pending final : PendingBase {
  using Executor = asio::associated_executor_t<Handler, asio::any_io_executor>;
  Pending(Handler h, const asio::any_io_executor& fallback, std::size_t n)
      : PendingBase(n), work(asio::get_associated_executor(h, fallback)), handler(std::move(h)) {}
  void complete() override {
    auto ex = work.get_executor();
    asio::post(ex, asio::append(std::move(handler), std::move(answers)));
    work.reset();
  }
  asio::executor_work_guard<Executor> work;
  Handler handler;
};
struct Channel::Slot {
  std::shared_ptr<PendingBase> pending;
  std::size_t index;
};

Channel::Channel(asio::any_io_executor executor, const Resolver::Options& options)
    : strand_(asio::make_strand(std::move(executor))), timer_(strand_) {
  init_cares_once();
  ares_options opts{};
  opts.sock_state_cb = &Channel::on_sock_state;
  opts.sock_state_cb_data = this;
  opts.timeout = static_cast<int>(std::max<long long>(1, options.timeout.count()));
  opts.tries = std::max(1, options.tries);
  // EDNS0 with a 1232-byte payload keeps answers with several TXT/CAA records off TCP.
  // NOCHECKRESP: c-ares 1.18 turns a SERVFAIL/REFUSED answer into a retry that ends in
  // ECONNREFUSED; with it the answer reaches ares_query, which reports ESERVFAIL/EREFUSED. The
  // price: such an answer is not retried on another server (a recursive resolver retries itself).
  opts.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
  opts.ednspsz = 1232;
  const int mask =
      ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ;
  if (int rc = ares_init_options(&channel_, &opts, mask); rc != ARES_SUCCESS) {
    channel_ = nullptr;
    throw std::runtime_error(std::string("c-ares init failed: ") + ares_strerror(rc));
  }
  if (!options.server.empty()) {
    if (int rc = ares_set_servers_ports_csv(channel_, options.server.c_str()); rc != ARES_SUCCESS) {
      ares_destroy(channel_);
      channel_ = nullptr;
      throw std::runtime_error("malformed DNS server \"" + options.server + "\": " + ares_strerror(rc));
    }
  }
}

// Reached only when shutdown() never ran on the strand (the io_context died first): pending
// handlers are dropped, as Asio drops every other handler of a destroyed io_context.
Channel::~Channel() {
  if (channel_ != nullptr) {
    in_destructor_ = true;
    destroy_channel();
  }
}

// Runs on strand_. Pending queries complete with ARES_EDESTRUCTION.
void Channel::shutdown() {
  shut_down_ = true;
  timer_.cancel();
  if (channel_ != nullptr) destroy_channel();
}

void Channel::destroy_channel() {
  // Deregister every fd from the reactor while it is still open, then let c-ares close it.
  for (auto& [fd, watch] : watches_) close_watch(*watch);
  watches_.clear();
  ares_destroy(channel_);  // answer callbacks run here with ARES_EDESTRUCTION
  channel_ = nullptr;
}

// Runs on strand_.
void Channel::start_queries(const std::string& name, const std::vector<int>& types,
                            const std::shared_ptr<PendingBase>& pending) {
  pending->channel = this;
  for (std::size_t i = 0; i < types.size(); ++i) {
    auto* slot = new Slot{pending, i};  // owned by c-ares until on_answer
    if (shut_down_ || channel_ == nullptr) {
      on_answer(slot, ARES_EDESTRUCTION, 0, nullptr, 0);
      continue;
    }
    // ares_query, not ares_search: names are absolute, no search domains or ndots.
    ares_query(channel_, name.c_str(), ns_c_in, types[i], &Channel::on_answer, slot);
  }
  reschedule_timer();
}

void Channel::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<Slot> slot(static_cast<Slot*>(arg));
  PendingBase& pending = *slot->pending;
  QueryAnswer& answer = pending.answers[slot->index];
  answer.status = status;
  if (abuf != nullptr && alen > 0) answer.message.assign(abuf, abuf + alen);
  if (--pending.remaining == 0 && !pending.channel->in_destructor_) pending.complete();
}

void Channel::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<Channel*>(data)->update_watch(fd, readable != 0, writable != 0);
}

void Channel::update_watch(ares_socket_t fd, bool readable, bool writable) {
  auto it = watches_.find(fd);
  if (!readable && !writable) {  // c-ares is about to close fd
    if (it != watches_.end()) {
      close_watch(*it->second);
      watches_.erase(it);
    }
    return;
  }
  if (in_destructor_ || shut_down_) return;
  std::shared_ptr<Watch> watch;
  const bool fresh = it == watches_.end();
  if (fresh) {
    watch = std::make_shared<Watch>(strand_, fd);
    boost::system::error_code ec;
    watch->descriptor.assign(fd, ec);
    if (ec) return;  // cannot watch it: the query times out and c-ares reports ETIMEOUT
    watches_.emplace(fd, watch);
  } else {
    watch = it->second;
  }
  watch->want_read = readable;
  watch->want_write = writable;
  arm(watch);
  if (fresh && readable) {
    // The reactor is edge-triggered and async_wait never tries speculatively: an answer that
    // arrived before the first wait was queued would be missed, so read once after arming.
    asio::post(strand_, [self = shared_from_this(), watch] {
      if (!watch->closed && !self->shut_down_) self->process(watch->fd, ARES_SOCKET_BAD);
    });
  }
}

void Channel::close_watch(Watch& watch) {
  watch.closed = true;
  // release(), never close(): cancels our waits and leaves the fd open for c-ares to close.
  if (watch.descriptor.is_open()) watch.descriptor.release();
}

void Channel::arm(const std::shared_ptr<Watch>& watch) {
  if (watch->closed) return;
  if (watch->want_read && !watch->reading) {
    watch->reading = true;
    watch->descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                                 [self = shared_from_this(), watch](const boost::system::error_code& ec) {
                                   self->on_readable(watch, ec);
                                 });
  }
  if (watch->want_write && !watch->writing) {
    watch->writing = true;
    watch->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                 [self = shared_from_this(), watch](const boost::system::error_code& ec) {
                                   self->on_writable(watch, ec);
                                 });
  }
}

void Channel::on_readable(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec) {
  watch->reading = false;
  if (ec || watch->closed || shut_down_) return;
  // Re-arm before reading (edge-triggered reactor): a datagram arriving while c-ares reads then
  // wakes the new wait instead of being lost.
  arm(watch);
  process(watch->fd, ARES_SOCKET_BAD);
}

void Channel::on_writable(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec) {
  watch->writing = false;
  if (ec || watch->closed || shut_down_) return;
  process(ARES_SOCKET_BAD, watch->fd);
  arm(watch);  // only if c-ares still has something to write
}

void Channel::process(ares_socket_t read_fd, ares_socket_t write_fd) {
  if (channel_ == nullptr) return;
  ares_process_fd(channel_, read_fd, write_fd);
  reschedule_timer();
}

// Retries and timeouts: c-ares says when its next deadline is; a stale wake-up is harmless.
void Channel::reschedule_timer() {
  if (channel_ == nullptr) return;
  timeval tv{};
  timeval* next = ares_timeout(channel_, nullptr, &tv);
  if (next == nullptr) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::seconds(next->tv_sec) + std::chrono::microseconds(next->tv_usec));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->shut_down_) return;
    self->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  });
}

void Channel::shut_down_later(std::shared_ptr<Channel> channel) {
  auto strand = channel->strand_;
  asio::post(strand, [channel = std::move(channel)] { channel->shutdown(); });
}

// The initiation runs when the caller co_awaits; the queries start on the strand.
asio::awaitable<Answers> Channel::query(std::shared_ptr<Channel> channel, std::string name,
                                        std::vector<int> types) {
  auto initiation = [](auto handler, std::shared_ptr<Channel> core, std::string name,
                       std::vector<int> types) {
    using Handler = decltype(handler);
    auto pending = std::make_shared<Pending<Handler>>(std::move(handler),
                                                      asio::any_io_executor(core->strand_), types.size());
    auto strand = core->strand_;
    asio::post(strand, [core = std::move(core), name = std::move(name), types = std::move(types),
                        pending = std::move(pending)] { core->start_queries(name, types, pending); });
  };
  return asio::async_initiate<decltype(asio::use_awaitable), void(Answers)>(
      initiation, asio::use_awaitable, std::move(channel), std::move(name), std::move(types));
}

}  // namespace cobble::validation::cares
