#include "storage/pg.hpp"

#include <charconv>
#include <regex>

namespace cobble::storage::pg {
namespace {

using common::fail;

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The error of a failed statement, its SQLSTATE mapped to Cobble's codes.
common::Error result_error(PGconn* conn, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  if (message.empty()) message = trimmed(PQerrorMessage(conn));
  // No SQLSTATE: libpq lost the connection (or never sent the statement).
  if (!state) return {std::errc::resource_unavailable_try_again, "PostgreSQL: " + message};
  return {error_code_for(state), "PostgreSQL " + std::string(state) + ": " + message};
}

Result<Rows> checked(PGconn* conn, PGresult* raw) {
  Rows rows(raw);
  auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
  return std::unexpected(result_error(conn, raw));
}

}  // namespace

std::errc error_code_for(std::string_view sqlstate) {
  if (sqlstate == "23505") return std::errc::file_exists;                   // unique_violation
  if (sqlstate == "23503") return std::errc::no_such_file_or_directory;     // foreign_key_violation
  if (sqlstate == "53100") return std::errc::no_space_on_device;            // disk_full
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" ||  // retry-able conflicts,
      sqlstate.starts_with("08") || sqlstate.starts_with("57P") ||          // lost connections,
      sqlstate == "53300" || sqlstate == "53200" || sqlstate == "57014") {  // overload, timeouts
    return std::errc::resource_unavailable_try_again;
  }
  return std::errc::io_error;
}

std::string redact(const std::string& location) {
  // URI form: scheme://user:password@host...; key=value form: password=...
  static const std::regex uri_password(R"(^([a-z]+://[^:/@]*):[^@/]*@)", std::regex::icase);
  static const std::regex key_password(R"((password\s*=\s*)('(\\.|[^'])*'|\S+))", std::regex::icase);
  std::string text = std::regex_replace(location, uri_password, "$1:***@");
  text = std::regex_replace(text, key_password, "$1***");
  static const std::regex query_password(R"(([?&]password=)[^&]*)", std::regex::icase);
  return std::regex_replace(text, query_password, "$1***");
}

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t Rows::int64(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  std::int64_t out = 0;
  std::from_chars(value, value + PQgetlength(result_.get(), row, column), out);
  return out;
}

bool Rows::boolean(int row, int column) const { return PQgetvalue(result_.get(), row, column)[0] == 't'; }

std::string Rows::bytes(int row, int column) const {
  std::size_t length = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column)), &length);
  if (!raw) return {};
  std::string out(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return out;
}

std::int64_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  std::int64_t out = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), out);
  return out;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo, Figures figures) {
  // libpq waits for ever by default for a server that accepts but never answers (or a host that
  // drops packets): every request thread could hang there. 5 s unless the location says otherwise
  // (its own connect_timeout comes later, so it wins).
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"5", conninfo.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, 1);
  if (!raw) return fail(std::errc::not_enough_memory, "PostgreSQL: cannot allocate a connection");
  std::unique_ptr<Connection> c(new Connection(raw, std::move(figures)));
  if (PQstatus(raw) != CONNECTION_OK) {
    return fail(std::errc::resource_unavailable_try_again,
                "cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(raw)));
  }
  // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);
  c->count();
  return c;
}

Result<std::string> Connection::prepared_name(const std::string& sql) {
  if (auto found = prepared_.find(sql); found != prepared_.end()) return found->second;
  std::string name = "s" + std::to_string(prepared_.size());
  count();
  auto prepared = checked(conn_.get(), PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
  if (!prepared) return std::unexpected(prepared.error());
  prepared_.emplace(sql, name);
  return name;
}

Result<Rows> Connection::exec(const std::string& sql, const Params& params) {
  auto name = prepared_name(sql);
  if (!name) return std::unexpected(name.error());
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats(params.size(), 0);
  values.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& value = params.values()[i];
    values.push_back(value ? value->data() : nullptr);
    lengths.push_back(value ? static_cast<int>(value->size()) : 0);
    if (i < params.binary().size()) formats[i] = params.binary()[i];
  }
  count();
  return checked(conn_.get(), PQexecPrepared(conn_.get(), name->c_str(), static_cast<int>(params.size()),
                                             values.data(), lengths.data(), formats.data(), 0));
}

Result<void> Connection::run(const std::string& sql) {
  count();
  auto done = checked(conn_.get(), PQexec(conn_.get(), sql.c_str()));
  if (!done) return std::unexpected(done.error());
  return {};
}

bool Connection::healthy() const {
  return PQstatus(conn_.get()) == CONNECTION_OK && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

Result<Transaction> Transaction::begin(Connection& c, const char* isolation) {
  std::string sql = "BEGIN";
  if (isolation) sql += std::string(" ISOLATION LEVEL ") + isolation;
  if (auto begun = c.run(sql); !begun) return std::unexpected(begun.error());
  return Transaction(c);
}

Transaction::~Transaction() {
  if (!c_) return;
  (void)c_->run("ROLLBACK");
  c_->figures_.transaction_times->rolled_back(std::chrono::steady_clock::now() - started_);
}

Result<void> Transaction::commit() {
  Connection* c = c_;
  c_ = nullptr;
  auto committed = c->run("COMMIT");
  auto took = std::chrono::steady_clock::now() - started_;
  if (committed) {
    c->figures_.transaction_times->committed(took);
  } else {
    c->figures_.transaction_times->rolled_back(took);
  }
  return committed;
}

Pool::Lease::~Lease() {
  if (c_) pool_->give_back(std::move(c_));
}

Result<Pool::Lease> Pool::acquire() {
  std::unique_lock lock(mu_);
  bool free = freed_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < size_; });
  if (!free) {
    return fail(std::errc::resource_unavailable_try_again, "all " + std::to_string(size_) +
                                                               " PostgreSQL connections stayed busy for " +
                                                               std::to_string(wait_.count()) + " ms");
  }
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }
  ++open_;
  lock.unlock();  // connecting takes a round trip or more; others may use idle connections meanwhile
  auto opened = Connection::open(conninfo_, figures_);
  if (!opened) {
    std::lock_guard relock(mu_);
    --open_;
    freed_.notify_one();
    return std::unexpected(opened.error());
  }
  return Lease(*this, std::move(*opened));
}

void Pool::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mu_);
  if (c->healthy()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;  // lost, or left inside a transaction: the next acquire opens a fresh one
  }
  freed_.notify_one();
}

}  // namespace cobble::storage::pg
