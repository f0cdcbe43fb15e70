// MariaDB/MySQL implementation of db::Driver over MariaDB Connector/C.
//
// Connections: utf8mb4, session time_zone '+00:00' (datetimes are UTC),
// connect/read/write timeouts from ConnectOptions (or the URL options
// connect_timeout/read_timeout/write_timeout, seconds), no auto-reconnect
// (the BatchWriter reconnects and knows what was stored).
// Insert, two modes (InsertMode; module param insert_mode, URL option
// insert_mode=bulk|multi_row overrides it per URL):
// kBulk: a cached prepared INSERT executed once over arrays of bound values
// (see mysql_bulk.h); used when the server supports bulk execution
// (MariaDB >= 10.2), else the connection falls back to kMultiRow.
// kMultiRow: one multi-row INSERT statement per call, every value escaped with
// mysql_real_escape_string (quotes, backslashes, NUL); kString values that
// are not valid UTF-8 have the invalid bytes replaced by U+FFFD; kBlob
// values are sent as _binary literals. A statement larger than the server's
// max_allowed_packet fails with kInvalidArgument so the BatchWriter splits
// the batch. Error numbers are mapped onto the db::Connection contract.
// Thread-safety: MysqlDriver is thread-safe; a connection is single-thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/base/stats.h"
#include "core/db/driver.h"

namespace sipcapd::db_mysql {

enum class InsertMode { kMultiRow, kBulk };
inline constexpr InsertMode kDefaultInsertMode = InsertMode::kBulk;
Result<InsertMode> ParseInsertMode(std::string_view s);
const char* InsertModeName(InsertMode m);

// Insert calls executed per mode, over all connections of a driver
// (module statistics db_mysql:bulk_inserts / db_mysql:multi_row_inserts).
struct InsertCounters {
  Stat bulk, multi_row;
};

class MysqlDriver : public db::Driver {
 public:
  MysqlDriver();
  // Before Connect (module init); connections keep the mode they got.
  void set_insert_mode(InsertMode m) { mode_ = m; }
  InsertMode insert_mode() const { return mode_; }
  std::string scheme() const override { return "mysql"; }
  db::Capabilities capabilities() const override { return {}; }
  Result<std::unique_ptr<db::Connection>> Connect(const db::Url& url,
                                                  const db::ConnectOptions& opts) override;
  // A bad insert_mode URL option is an error here (BatchWriter::Start), not
  // only at every connect.
  Status ValidateUrl(const db::Url& url) const override;
  // The mode connections to `url` ask for: its insert_mode option, else the
  // driver's (module param) mode. A connection to a server without bulk
  // support falls back to kMultiRow (logged at connect).
  Result<InsertMode> ModeFor(const db::Url& url) const;
  InsertCounters& counters() { return counters_; }

 private:
  InsertMode mode_ = kDefaultInsertMode;
  InsertCounters counters_;
};

// Maps a MySQL/MariaDB error number to a StatusCode of the driver contract.
StatusCode ClassifyMysqlError(unsigned int err);
// Appends `s` to `out` with invalid UTF-8 sequences replaced by U+FFFD.
void AppendValidUtf8(std::string* out, std::string_view s);

}  // namespace sipcapd::db_mysql
