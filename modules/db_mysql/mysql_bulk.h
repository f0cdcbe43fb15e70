// Bulk insert over a prepared statement with array binding (MariaDB
// Connector/C >= 3.0 with a MariaDB >= 10.2 server: COM_STMT_BULK_EXECUTE).
//
// One "INSERT INTO t (cols) VALUES (?,...)" is prepared per table+columns
// and cached for the life of the connection (a reconnect makes a new
// connection, hence a new cache). Each Insert binds the rows column-wise:
// per column an array of int64/double values or of pointers+lengths into the
// rows' own strings (no copy, no escaping), plus an indicator array for
// NULLs, and executes once with STMT_ATTR_ARRAY_SIZE = rows. Strings that
// are not valid UTF-8 are bound as a sanitized copy (U+FFFD), datetimes as
// "YYYY-MM-DD HH:MM:SS.ffffff" text (the session time zone is UTC), and a
// column mixing types is sent as text. A request larger than the server's
// max_allowed_packet fails with kInvalidArgument so the BatchWriter splits
// the batch. The server executes the whole array as one statement, so an
// error stores no row (checked by the tests). On an execute error the
// statement is closed and prepared again on the next call.
// Thread-safety: single-thread, like its connection.
#pragma once

#include <mysql.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/db/value.h"

namespace sipcapd::db_mysql {

// True if the server of `m` accepts bulk (array) execution.
bool BulkSupported(MYSQL* m);

class BulkInserter {
 public:
  explicit BulkInserter(MYSQL* m) : m_(m) {}
  ~BulkInserter() { Clear(); }
  BulkInserter(const BulkInserter&) = delete;
  BulkInserter& operator=(const BulkInserter&) = delete;

  // `max_packet`: the server's max_allowed_packet (0: unknown).
  Status Insert(const std::string& table, const std::vector<std::string>& columns,
                std::span<const db::Row> rows, size_t max_packet);
  // Closes every cached statement.
  void Clear();
  size_t cached_statements() const { return stmts_.size(); }

 private:
  enum class Kind : uint8_t { kInt, kDouble, kText, kBlob };
  Result<MYSQL_STMT*> Prepare(const std::string& table, const std::vector<std::string>& columns);
  // Fills the arrays of column `c`; returns the bytes it adds to the request.
  size_t BindColumn(size_t c, std::span<const db::Row> rows);
  Status StmtError(MYSQL_STMT* s, const std::string& what);

  MYSQL* m_;
  std::map<std::string, MYSQL_STMT*> stmts_;  // key: table + columns
  // Per-call arrays, reused (column-major: [c * rows + r]).
  std::vector<MYSQL_BIND> binds_;
  std::vector<char> ind_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<const char*> ptrs_;
  std::vector<unsigned long> lens_;
  std::vector<int64_t> arena_off_;  // >= 0: ptrs_ entry points into arena_
  std::string arena_;               // sanitized strings, datetimes, numbers as text
};

}  // namespace sipcapd::db_mysql
