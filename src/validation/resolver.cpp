#include "validation/resolver.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <algorithm>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "validation/dns_answers.hpp"

namespace cobble::validation {

namespace asio = boost::asio;

namespace resolver_detail {

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

// The raw outcome of one ares_query: its status and the whole response message.
struct QueryAnswer {
  int status = ARES_ENODATA;
  std::vector<unsigned char> message;
};
using Answers = std::vector<QueryAnswer>;

// Owns the channel. Everything below runs on strand_: the c-ares callbacks (answers and socket
// state) are only ever invoked from inside ares_* calls made here, so they run on strand_ too and
// the Core is alive whenever they run. Pending completion handlers hold no Core reference; the
// socket waits, the timer and queued work hold a shared_ptr, so the Core lives until they finish.
struct Core : std::enable_shared_from_this<Core> {
  // One c-ares socket watched by Asio. The descriptor is always release()d, never closed by Asio:
  // the fd belongs to c-ares.
  struct Watch {
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
  struct PendingBase {
    explicit PendingBase(std::size_t n) : answers(n), remaining(n) {}
    virtual ~PendingBase() = default;
    virtual void complete() = 0;
    Core* core = nullptr;
    Answers answers;
    std::size_t remaining;
  };
  template <class Handler>
  struct Pending final : PendingBase {
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
  struct Slot {
    std::shared_ptr<PendingBase> pending;
    std::size_t index;
  };

  Core(asio::any_io_executor executor, const Resolver::Options& options)
      : strand_(asio::make_strand(std::move(executor))), timer_(strand_) {
    init_cares_once();
    ares_options opts{};
    opts.sock_state_cb = &Core::on_sock_state;
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
  ~Core() {
    if (channel_ != nullptr) {
      in_destructor_ = true;
      destroy_channel();
    }
  }

  // Runs on strand_. Pending queries complete with ARES_EDESTRUCTION.
  void shutdown() {
    shut_down_ = true;
    timer_.cancel();
    if (channel_ != nullptr) destroy_channel();
  }

  void destroy_channel() {
    // Deregister every fd from the reactor while it is still open, then let c-ares close it.
    for (auto& [fd, watch] : watches_) close_watch(*watch);
    watches_.clear();
    ares_destroy(channel_);  // answer callbacks run here with ARES_EDESTRUCTION
    channel_ = nullptr;
  }

  // Runs on strand_.
  void start_queries(const std::string& name, const std::vector<int>& types,
                     const std::shared_ptr<PendingBase>& pending) {
    pending->core = this;
    for (std::size_t i = 0; i < types.size(); ++i) {
      auto* slot = new Slot{pending, i};  // owned by c-ares until on_answer
      if (shut_down_ || channel_ == nullptr) {
        on_answer(slot, ARES_EDESTRUCTION, 0, nullptr, 0);
        continue;
      }
      // ares_query, not ares_search: names are absolute, no search domains or ndots.
      ares_query(channel_, name.c_str(), ns_c_in, types[i], &Core::on_answer, slot);
    }
    reschedule_timer();
  }

  static void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<Slot> slot(static_cast<Slot*>(arg));
    PendingBase& pending = *slot->pending;
    QueryAnswer& answer = pending.answers[slot->index];
    answer.status = status;
    if (abuf != nullptr && alen > 0) answer.message.assign(abuf, abuf + alen);
    if (--pending.remaining == 0 && !pending.core->in_destructor_) pending.complete();
  }

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Core*>(data)->update_watch(fd, readable != 0, writable != 0);
  }

  void update_watch(ares_socket_t fd, bool readable, bool writable) {
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

  void close_watch(Watch& watch) {
    watch.closed = true;
    // release(), never close(): cancels our waits and leaves the fd open for c-ares to close.
    if (watch.descriptor.is_open()) watch.descriptor.release();
  }

  void arm(const std::shared_ptr<Watch>& watch) {
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

  void on_readable(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec) {
    watch->reading = false;
    if (ec || watch->closed || shut_down_) return;
    // Re-arm before reading (edge-triggered reactor): a datagram arriving while c-ares reads then
    // wakes the new wait instead of being lost.
    arm(watch);
    process(watch->fd, ARES_SOCKET_BAD);
  }

  void on_writable(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec) {
    watch->writing = false;
    if (ec || watch->closed || shut_down_) return;
    process(ARES_SOCKET_BAD, watch->fd);
    arm(watch);  // only if c-ares still has something to write
  }

  void process(ares_socket_t read_fd, ares_socket_t write_fd) {
    if (channel_ == nullptr) return;
    ares_process_fd(channel_, read_fd, write_fd);
    reschedule_timer();
  }

  // Retries and timeouts: c-ares says when its next deadline is; a stale wake-up is harmless.
  void reschedule_timer() {
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

  asio::strand<asio::any_io_executor> strand_;
  asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  bool shut_down_ = false;
  bool in_destructor_ = false;
};

// Sends one query per type for `name` concurrently; completes with their answers in `types` order.
// The initiation runs when the caller co_awaits; the queries start on the strand.
asio::awaitable<Answers> query(std::shared_ptr<Core> core, std::string name, std::vector<int> types) {
  auto initiation = [](auto handler, std::shared_ptr<Core> core, std::string name, std::vector<int> types) {
    using Handler = decltype(handler);
    auto pending = std::make_shared<Core::Pending<Handler>>(
        std::move(handler), asio::any_io_executor(core->strand_), types.size());
    auto strand = core->strand_;
    asio::post(strand, [core = std::move(core), name = std::move(name), types = std::move(types),
                        pending = std::move(pending)] { core->start_queries(name, types, pending); });
  };
  return asio::async_initiate<decltype(asio::use_awaitable), void(Answers)>(
      initiation, asio::use_awaitable, std::move(core), std::move(name), std::move(types));
}

// Not inline in the coroutines: g++ 12 rejects an initializer_list inside a co_await expression.
template <class... T>
std::vector<int> types_of(T... types) {
  return std::vector<int>{types...};
}

// The addresses of one answer, or its failure as a c-ares status (ARES_ENODATA when none).
struct AddressAnswer {
  std::vector<asio::ip::address> addresses;
  int status = ARES_SUCCESS;
};

AddressAnswer address_answer(const QueryAnswer& answer, bool ipv6, const std::string& name) {
  if (answer.status != ARES_SUCCESS) return {{}, answer.status};
  auto parsed = dns_answers::addresses(answer.message, ipv6, name);
  if (parsed) return {std::move(*parsed), ARES_SUCCESS};
  return {{}, parsed.error().kind == DnsError::Kind::no_data ? ARES_ENODATA : ARES_EBADRESP};
}

asio::awaitable<DnsResult<std::vector<asio::ip::address>>> lookup_addresses(std::shared_ptr<Core> core,
                                                                            std::string name) {
  const Answers answers = co_await query(std::move(core), name, types_of(ns_t_aaaa, ns_t_a));
  auto v6 = address_answer(answers[0], true, name);
  auto v4 = address_answer(answers[1], false, name);
  auto addresses = std::move(v6.addresses);
  addresses.insert(addresses.end(), v4.addresses.begin(), v4.addresses.end());
  if (!addresses.empty()) co_return addresses;

  const std::string no_data = "No A or AAAA records found for " + name;
  // Both failed. NXDOMAIN from either wins; then A's real failure, then AAAA's; else no data.
  if (v4.status == ARES_ENOTFOUND || (v6.status != ARES_ENOTFOUND && v4.status != ARES_ENODATA)) {
    co_return std::unexpected(dns_answers::error_for(v4.status, "A", name, no_data));
  }
  co_return std::unexpected(dns_answers::error_for(v6.status, "AAAA", name, no_data));
}

asio::awaitable<DnsResult<std::vector<std::string>>> lookup_txt(std::shared_ptr<Core> core,
                                                                std::string name) {
  const Answers answers = co_await query(std::move(core), name, types_of(ns_t_txt));
  const QueryAnswer& answer = answers[0];
  if (answer.status != ARES_SUCCESS) {
    co_return std::unexpected(
        dns_answers::error_for(answer.status, "TXT", name, "No TXT records found for " + name));
  }
  co_return dns_answers::txt_records(answer.message, name);
}

asio::awaitable<DnsResult<std::vector<CaaRecord>>> lookup_caa(std::shared_ptr<Core> core, std::string name) {
  const Answers answers = co_await query(std::move(core), name, types_of(ns_t_caa));
  const QueryAnswer& answer = answers[0];
  if (answer.status != ARES_SUCCESS) {
    co_return std::unexpected(
        dns_answers::error_for(answer.status, "CAA", name, "No CAA records found for " + name));
  }
  co_return dns_answers::caa_records(answer.message, name);
}

}  // namespace resolver_detail

struct Resolver::Impl final : resolver_detail::Core {
  using Core::Core;
};

}  // namespace cobble::validation

namespace cobble::validation {

Resolver::Resolver(boost::asio::any_io_executor executor, Options options)
    : impl_(std::make_shared<Impl>(std::move(executor), options)) {}

// Never touches the channel here: the shutdown runs on the strand, after any query queued before it.
Resolver::~Resolver() {
  auto strand = impl_->strand_;
  asio::post(strand, [impl = std::move(impl_)] { impl->shutdown(); });
}

// Each lookup takes its own reference to the Impl when called, so the coroutine stays safe even if
// the Resolver is destroyed while it is suspended (it then completes with an "other" error).
asio::awaitable<DnsResult<std::vector<asio::ip::address>>> Resolver::lookup_addresses(std::string name) {
  return resolver_detail::lookup_addresses(impl_, std::move(name));
}

asio::awaitable<DnsResult<std::vector<std::string>>> Resolver::lookup_txt(std::string name) {
  return resolver_detail::lookup_txt(impl_, std::move(name));
}

asio::awaitable<DnsResult<std::vector<CaaRecord>>> Resolver::lookup_caa(std::string name) {
  return resolver_detail::lookup_caa(impl_, std::move(name));
}

}  // namespace cobble::validation
