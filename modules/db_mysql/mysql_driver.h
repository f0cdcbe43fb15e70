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

#include "core/db/driver.h"

namespace sipcapd::db_mysql {

enum class InsertMode { kMultiRow, kBulk };
inline constexpr InsertMode kDefaultInsertMode = InsertMode::kBulk;
Result<InsertMode> ParseInsertMode(std::string_view s);
const char* InsertModeName(InsertMode m);

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

 private:
  InsertMode mode_ = kDefaultInsertMode;
};

// Maps a MySQL/MariaDB error number to a StatusCode of the driver contract.
StatusCode ClassifyMysqlError(unsigned int err);
// Appends `s` to `out` with invalid UTF-8 sequences replaced by U+FFFD.
void AppendValidUtf8(std::string* out, std::string_view s);

}  // namespace sipcapd::db_mysql
