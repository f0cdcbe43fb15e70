// SQLite implementation of db::Driver (the embedded default backend).
// Connections open the file in WAL mode (synchronous=NORMAL), insert a batch
// as one transaction through a cached prepared statement per (table,
// columns), and map SQLite errors onto the db::Connection error contract.
// Datetimes are stored as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]".
// Thread-safety: SqliteDriver is thread-safe; a connection is single-thread.
#pragma once

#include <memory>
#include <string>

#include "core/db/driver.h"

namespace sipcapd::db_sqlite {

class SqliteDriver : public db::Driver {
 public:
  std::string scheme() const override { return "sqlite"; }
  db::Capabilities capabilities() const override {
    db::Capabilities c;
    c.max_connections = 1;  // one writer: SQLite serialises writes anyway
    return c;
  }
  Result<std::unique_ptr<db::Connection>> Connect(const db::Url& url,
                                                  const db::ConnectOptions& opts) override;
};

// Rewrites the stored CREATE statements of `templ` (table + its indexes)
// for `table`. Pure function over the schema text; exposed for tests.
// `table_sql` is sqlite_master.sql of the template, `index_sql` of each
// of its explicit indexes.
Result<std::vector<std::string>> RewriteSchemaLike(const std::string& templ,
                                                   const std::string& table,
                                                   const std::string& table_sql,
                                                   const std::vector<std::string>& index_sql);

}  // namespace sipcapd::db_sqlite
