// The driver interface implemented by DB driver modules (db_mysql,
// db_sqlite). A driver module publishes its Driver* as the service
// "db_driver:<scheme>" (kDriverServicePrefix + scheme) in its init; users
// (sipcapture, siptrace via BatchWriter) find it with
// Registrar::FindService(DriverServiceName(url.scheme)).
//
// Error contract for Connection operations (the BatchWriter relies on it):
//   kUnavailable     : connection lost / server down / timeout / lock
//                      timeout: transient, the same rows may succeed later;
//                      the connection must be dropped and reopened.
//   kNotFound        : the target table does not exist.
//   kInvalidArgument : the rows themselves were rejected (data too long,
//                      constraint, bad value...): retrying the same rows
//                      will fail again.
//   other            : treated as kInvalidArgument.
// An Insert is atomic: on any error no row of the call is stored.
//
// Thread-safety: a Driver is thread-safe (Connect may be called from any
// thread); a Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/db/url.h"
#include "core/db/value.h"

namespace sipcapd::db {

inline constexpr const char* kDriverServicePrefix = "db_driver:";
inline std::string DriverServiceName(const std::string& scheme) {
  return kDriverServicePrefix + scheme;
}

struct Capabilities {
  bool multi_row_insert = true;   // Insert of many rows in one statement
  bool create_table_like = true;  // CreateTableLike supported
  int max_connections = 0;        // 0: no limit; sqlite: 1 writer
};

struct ConnectOptions {
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 60000;
  int write_timeout_ms = 60000;
};

// Result of Query(): all values as text (NULL as nullopt).
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  uint64_t affected_rows = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Inserts all `rows` (each with columns.size() values) into `table`,
  // atomically (one multi-row statement or one transaction).
  virtual Status Insert(const std::string& table, const std::vector<std::string>& columns,
                        std::span<const Row> rows) = 0;
  // Runs one SQL statement; returns its rows (if any).
  virtual Result<QueryResult> Query(const std::string& sql) = 0;
  // Creates `table` with the structure (columns, indexes) of `templ`.
  virtual Status CreateTableLike(const std::string& table, const std::string& templ) = 0;
  // Quotes a string as an SQL literal for this connection ('...').
  virtual std::string QuoteString(std::string_view s) = 0;
  virtual Status Ping() = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string scheme() const = 0;
  virtual Capabilities capabilities() const = 0;
  virtual Result<std::unique_ptr<Connection>> Connect(const Url& url,
                                                      const ConnectOptions& opts) = 0;
  // Checks the driver's own URL options without connecting (the BatchWriter
  // calls it in Start(), so a bad option stops the node at startup instead
  // of failing every connect attempt).
  virtual Status ValidateUrl(const Url& /*url*/) const { return Status::Ok(); }
};

// True if `name` contains only [A-Za-z0-9_$] and is 1..64 characters long.
bool IsSafeIdentifier(std::string_view name);

}  // namespace sipcapd::db
