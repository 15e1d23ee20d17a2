#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "common/status.hpp"
#include "storage/transaction_times.hpp"

// RAII over libpq (PostgreSQL's C client): connections with their prepared statements, results,
// transactions and a pool. Private to storage/ (the PostgreSQL Store).
namespace cobble::storage::pg {

using common::Result;

// A binary parameter (bytea).
struct Bytes {
  const std::string& bytes;
};

// The parameters of one statement, in text form (libpq sends them so and the server casts them to
// the column's type); nullopt is SQL NULL.
class Params {
 public:
  Params() = default;
  template <class... Args>
  explicit Params(const Args&... args) {
    (add(args), ...);
  }

  void add(std::nullopt_t) { values_.emplace_back(); }
  void add(const std::string& text) { values_.emplace_back(text); }
  void add(std::string_view text) { values_.emplace_back(std::string(text)); }
  void add(const char* text) { values_.emplace_back(std::string(text)); }
  void add(bool value) { values_.emplace_back(value ? "true" : "false"); }
  void add(Bytes value) {
    binary_.resize(values_.size() + 1, 0);
    binary_.back() = 1;
    values_.emplace_back(value.bytes);
  }
  template <class Int>
  requires std::is_integral_v<Int>
  void add(Int value) { values_.emplace_back(std::to_string(value)); }
  template <class Status>
  requires std::is_enum_v<Status>
  void add(Status status) { values_.emplace_back(std::string(common::to_string(status))); }
  template <class T>
  void add(const std::optional<T>& value) {
    if (value) {
      add(*value);
    } else {
      values_.emplace_back();
    }
  }

  std::size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }
  // 1 for each binary parameter; empty or shorter than size() when the rest are text.
  const std::vector<int>& binary() const { return binary_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> binary_;
};

// A statement's result (text format). Rows and columns count from 0.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, PQclear) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  bool boolean(int row, int column) const;
  // A bytea column (hex text form) as its bytes.
  std::string bytes(int row, int column) const;
  // Rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

// What a pool's connections count together: each exec, prepare and run, and how long their
// transactions take.
struct ConnectionFigures {
  std::shared_ptr<std::atomic<std::uint64_t>> round_trips = std::make_shared<std::atomic<std::uint64_t>>();
  std::shared_ptr<TransactionTimes> transaction_times = std::make_shared<TransactionTimes>("postgresql");
};

// One connection and the statements prepared on it. Not thread-safe: one user at a time (the pool
// leases it out).
class Connection {
 public:
  // `conninfo` is a libpq URI or key=value string; errors never repeat it (it may hold a password).
  using Figures = ConnectionFigures;
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo, Figures figures = Figures());

  // Runs `sql` with `params` as a prepared statement (prepared on first use on this connection).
  Result<Rows> exec(const std::string& sql, const Params& params = Params());
  // Runs one or more statements without parameters (DDL, BEGIN, COMMIT).
  Result<void> run(const std::string& sql);
  // Whether the connection is still usable (not lost, not inside a failed transaction).
  bool healthy() const;

 private:
  friend class Transaction;
  Connection(PGconn* conn, Figures figures) : conn_(conn, PQfinish), figures_(std::move(figures)) {}
  Result<std::string> prepared_name(const std::string& sql);
  void count() { figures_.round_trips->fetch_add(1, std::memory_order_relaxed); }

  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
  std::unordered_map<std::string, std::string> prepared_;
  Figures figures_;
};

// BEGIN on construction (with `isolation`, e.g. "SERIALIZABLE"), ROLLBACK on destruction unless
// committed.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& c, const char* isolation = nullptr);
  Transaction(Transaction&& other) noexcept : c_(other.c_), started_(other.started_) { other.c_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Connection& c) : c_(&c), started_(std::chrono::steady_clock::now()) {}
  Connection* c_;
  std::chrono::steady_clock::time_point started_;
};

// At most `size` connections, opened on demand; a caller waits up to `wait` for a free one. A
// connection that broke is dropped on return and replaced by the next acquire.
class Pool {
 public:
  Pool(std::string conninfo, std::size_t size, std::chrono::milliseconds wait)
      : conninfo_(std::move(conninfo)), size_(size), wait_(wait) {}

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };

  Result<Lease> acquire();
  // Round trips to the server by every connection of the pool so far.
  std::uint64_t round_trips() const { return figures_.round_trips->load(std::memory_order_relaxed); }
  std::shared_ptr<const TransactionTimes> shared_transaction_times() const {
    return figures_.transaction_times;
  }

 private:
  void give_back(std::unique_ptr<Connection> c);

  const std::string conninfo_;
  const std::size_t size_;
  const std::chrono::milliseconds wait_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // leased + idle
  Connection::Figures figures_;
};

// A LIMIT/OFFSET parameter: PostgreSQL's are signed, so a count too large becomes the largest.
inline std::int64_t count(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

// The SQLSTATE class of an error as Cobble's error codes (store.hpp lists them).
std::errc error_code_for(std::string_view sqlstate);

// `location` with any password replaced by "***", for logs and errors.
std::string redact(const std::string& location);

}  // namespace cobble::storage::pg
