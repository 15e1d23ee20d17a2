#include "storage/pg_store.hpp"

#include "storage/pg_migrations.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using pg::Params;

// Connections per instance: enough for the request threads and validations to overlap their
// round trips; PostgreSQL's default max_connections (100) leaves room for a dozen instances.
constexpr std::size_t kConnections = 8;

Result<void> one_row_or_missing(const Result<pg::Rows>& changed, const char* what, std::int64_t id) {
  if (!changed) return std::unexpected(changed.error());
  if (changed->affected() == 0)
    return fail(std::errc::no_such_file_or_directory,
                std::string(what) + " " + std::to_string(id) + " not found");
  return {};
}

AccountStatus account_status(const std::string& text) {
  return common::parse_account_status(text).value_or(AccountStatus::deactivated);
}

}  // namespace

Result<std::unique_ptr<Store>> PgStore::open(const std::string& location, const StoreOptions& options) {
  auto c = pg::Connection::open(location);
  if (!c) {
    return fail(c.error().code, c.error().message + " (database " + pg::redact(location) + ")");
  }
  auto version = pg::migrate(**c);
  if (!version) return std::unexpected(version.error());
  return std::unique_ptr<Store>(new PgStore(location, kConnections, options, *version));
}

Result<int> PgStore::read_schema_version() {
  return with_connection([&](pg::Connection& c) -> Result<int> {
    auto rows = c.exec("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!rows) return std::unexpected(rows.error());
    return static_cast<int>(rows->int64(0, 0));
  });
}

common::Error PgStore::explain_unchanged(pg::Connection& c, const char* table, const char* key,
                                         const std::string& id, const std::string& why) {
  auto rows = c.exec(std::string("SELECT 1 FROM ") + table + " WHERE " + key + " = $1", Params(id));
  if (!rows) return rows.error();
  if (rows->empty())
    return {std::errc::no_such_file_or_directory, std::string(table) + " " + id + " not found"};
  return {std::errc::operation_not_permitted, std::string(table) + " " + id + ": " + why};
}

// Accounts

Result<std::int64_t> PgStore::insert_account_row(pg::Connection& c, const AccountRecord& account) {
  auto rows = c.exec(
      "INSERT INTO accounts (key_thumbprint, jwk, contacts, status, created_at, eab_key_id, eab_binding) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      Params(account.key_thumbprint, account.jwk, join_lines(account.contacts), account.status,
             to_micros(account.created_at), account.eab_key_id, account.eab_binding));
  if (!rows) return std::unexpected(rows.error());
  return rows->int64(0, 0);
}

Result<std::int64_t> PgStore::create_account(const AccountRecord& account) {
  return with_connection([&](pg::Connection& c) { return insert_account_row(c, account); });
}

Result<AccountRecord> PgStore::load_account(pg::Connection& c, const char* column, const std::string& key) {
  auto rows = c.exec(std::string("SELECT id, key_thumbprint, jwk, contacts, status, created_at, eab_key_id, "
                                 "eab_binding FROM accounts WHERE ") +
                         column + " = $1",
                     Params(key));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty())
    return fail(std::errc::no_such_file_or_directory, std::string("no account with this ") + column);
  return AccountRecord{.id = rows->int64(0, 0),
                       .key_thumbprint = rows->text(0, 1),
                       .jwk = rows->text(0, 2),
                       .contacts = split_lines(rows->text(0, 3)),
                       .status = account_status(rows->text(0, 4)),
                       .created_at = from_micros(rows->int64(0, 5)),
                       .eab_key_id = rows->text(0, 6),
                       .eab_binding = rows->text(0, 7)};
}

Result<AccountRecord> PgStore::find_account(std::int64_t id) {
  return with_connection([&](pg::Connection& c) { return load_account(c, "id", std::to_string(id)); });
}

Result<AccountRecord> PgStore::find_account_by_thumbprint(const std::string& thumbprint) {
  return with_connection([&](pg::Connection& c) { return load_account(c, "key_thumbprint", thumbprint); });
}

Result<void> PgStore::update_account_contacts(std::int64_t id, const std::vector<std::string>& contacts) {
  return with_connection([&](pg::Connection& c) {
    return one_row_or_missing(
        c.exec("UPDATE accounts SET contacts = $1 WHERE id = $2", Params(join_lines(contacts), id)),
        "account", id);
  });
}

Result<void> PgStore::update_account_status(std::int64_t id, AccountStatus status) {
  return with_connection([&](pg::Connection& c) {
    return one_row_or_missing(c.exec("UPDATE accounts SET status = $1 WHERE id = $2", Params(status, id)),
                              "account", id);
  });
}

Result<void> PgStore::update_account_key(std::int64_t id, const std::string& thumbprint,
                                         const std::string& jwk) {
  return with_connection([&](pg::Connection& c) {
    return one_row_or_missing(c.exec("UPDATE accounts SET key_thumbprint = $1, jwk = $2 WHERE id = $3",
                                     Params(thumbprint, jwk, id)),
                              "account", id);
  });
}

// Certificates

Result<CertificateRecord> PgStore::find_certificate(const std::string& serial) {
  return with_connection([&](pg::Connection& c) -> Result<CertificateRecord> {
    // One statement, so one snapshot: the identifiers come aggregated with the row.
    auto rows = c.exec(
        "SELECT serial, account_id, order_id, chain_pem, key_spki, not_before, not_after, revoked_at, "
        "revocation_reason, issuer, identifier_set, "
        "coalesce((SELECT string_agg(type || ' ' || value, E'\\n' ORDER BY position) "
        "FROM certificate_identifiers i WHERE i.serial = c.serial), '') "
        "FROM certificates c WHERE serial = $1",
        Params(serial));
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty())
      return fail(std::errc::no_such_file_or_directory, "certificate " + serial + " not found");
    CertificateRecord certificate{
        .serial = rows->text(0, 0),
        .account_id = rows->int64(0, 1),
        .order_id = rows->text(0, 2),
        .chain_pem = rows->text(0, 3),
        .key_spki = rows->bytes(0, 4),
        .not_before = from_micros(rows->int64(0, 5)),
        .not_after = from_micros(rows->int64(0, 6)),
        .revoked_at = rows->is_null(0, 7) ? std::nullopt : std::optional(from_micros(rows->int64(0, 7))),
        .revocation_reason = static_cast<int>(rows->int64(0, 8)),
        .issuer = rows->text(0, 9),
        .identifier_set = rows->text(0, 10)};
    for (const auto& line : split_lines(rows->text(0, 11))) {
      auto space = line.find(' ');
      certificate.identifiers.push_back({line.substr(0, space), line.substr(space + 1)});
    }
    return certificate;
  });
}

Result<void> PgStore::revoke_certificate(const std::string& serial, int reason, TimePoint at) {
  return with_connection([&](pg::Connection& c) -> Result<void> {
    auto changed = c.exec(
        "UPDATE certificates SET revoked_at = $1, revocation_reason = $2 WHERE serial = $3 AND revoked_at IS "
        "NULL",
        Params(to_micros(at), reason, serial));
    if (!changed) return std::unexpected(changed.error());
    if (changed->affected() == 0)
      return std::unexpected(explain_unchanged(c, "certificates", "serial", serial, "already revoked"));
    return {};
  });
}

// Reset

Result<void> PgStore::reset() {
  return with_connection([&](pg::Connection& c) -> Result<void> {
    auto tables = c.exec(
        "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename NOT IN ('schema_version', 'shared_files')");
    if (!tables) return std::unexpected(tables.error());
    if (tables->is_null(0, 0)) return {};
    // One statement: every table at once, so references between them need no order. Identity
    // columns keep counting (CONTINUE IDENTITY), so an old account URL never names a new account.
    return c.run("TRUNCATE " + tables->text(0, 0) + " CONTINUE IDENTITY");
  });
}

Result<void> PgStore::lock_pair(pg::Connection& c, std::int64_t account_id,
                                const IdentifierRecord& identifier) {
  // Two 32-bit keys: the account and a hash of the identifier. Different pairs that share a hash
  // only wait for each other; they never mix their rows.
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (char ch : identifier.type + '\0' + identifier.value) {
    hash = (hash ^ static_cast<unsigned char>(ch)) * 16777619u;
  }
  auto locked = c.exec("SELECT pg_advisory_xact_lock($1::integer, $2::integer)",
                       Params(static_cast<std::int32_t>(account_id), static_cast<std::int32_t>(hash)));
  if (!locked) return std::unexpected(locked.error());
  return {};
}

}  // namespace cobble::storage
