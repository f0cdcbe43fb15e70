#include "modules/db_sqlite/sqlite_driver.h"

#include <sqlite3.h>

#include <map>

namespace sipcapd::db_sqlite {
namespace {

Status MapError(sqlite3* db, int rc, const std::string& what) {
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int prim = rc & 0xff;
  switch (prim) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::Unavailable(msg);
    default: break;
  }
  if (msg.find("no such table") != std::string::npos) return Status::NotFound(msg);
  return Status::Invalid(msg);
}

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s = nullptr) : s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

class SqliteConnection : public db::Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    cache_.clear();
    sqlite3_close_v2(db_);
  }

  Status Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string m = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return MapError(nullptr, rc, m);
    }
    return Status::Ok();
  }

  Status Insert(const std::string& table, const std::vector<std::string>& columns,
                std::span<const db::Row> rows) override {
    if (!db::IsSafeIdentifier(table)) return Status::Invalid("bad table name '" + table + "'");
    std::string key = table;
    for (const auto& c : columns) key += "," + c;
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      std::string sql = "INSERT INTO \"" + table + "\" (";
      for (size_t i = 0; i < columns.size(); ++i) {
        if (!db::IsSafeIdentifier(columns[i])) return Status::Invalid("bad column name");
        sql += (i ? ",\"" : "\"") + columns[i] + "\"";
      }
      sql += ") VALUES (";
      for (size_t i = 0; i < columns.size(); ++i) sql += i ? ",?" : "?";
      sql += ")";
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) return MapError(db_, rc, "prepare insert into " + table);
      it = cache_.emplace(key, std::make_unique<Stmt>(s)).first;
    }
    sqlite3_stmt* s = it->second->get();
    int rc = sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return MapError(db_, rc, "begin");
    for (const db::Row& r : rows) {
      for (size_t i = 0; i < columns.size(); ++i) {
        const db::Value& v = r.values[i];
        int idx = static_cast<int>(i + 1);
        switch (v.type) {
          case db::Type::kNull: rc = sqlite3_bind_null(s, idx); break;
          case db::Type::kInt:
          case db::Type::kBigInt: rc = sqlite3_bind_int64(s, idx, v.i); break;
          case db::Type::kDouble: rc = sqlite3_bind_double(s, idx, v.d); break;
          case db::Type::kString:
            rc = sqlite3_bind_text64(s, idx, v.s.data(), v.s.size(), SQLITE_STATIC, SQLITE_UTF8);
            break;
          case db::Type::kBlob:
            rc = sqlite3_bind_blob64(s, idx, v.s.data(), v.s.size(), SQLITE_STATIC);
            break;
          case db::Type::kDateTime: {
            std::string t = db::FormatDateTimeUtc(v.i);
            rc = sqlite3_bind_text(s, idx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
            break;
          }
        }
        if (rc != SQLITE_OK) break;
      }
      if (rc == SQLITE_OK) rc = sqlite3_step(s);
      if (rc != SQLITE_DONE) {
        Status st = MapError(db_, rc, "insert into " + table);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return st;
      }
      sqlite3_reset(s);
    }
    sqlite3_clear_bindings(s);
    rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      Status st = MapError(db_, rc, "commit");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return st;
    }
    return Status::Ok();
  }

  Result<db::QueryResult> Query(const std::string& sql) override {
    db::QueryResult out;
    const char* tail = sql.c_str();
    const char* end = tail + sql.size();
    while (tail && tail < end) {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &raw, &tail);
      if (rc != SQLITE_OK) return MapError(db_, rc, "query");
      if (!raw) break;  // whitespace / comment
      Stmt s(raw);
      int n = sqlite3_column_count(raw);
      if (n > 0) {
        out.columns.clear();
        out.rows.clear();
        for (int i = 0; i < n; ++i) out.columns.emplace_back(sqlite3_column_name(raw, i));
      }
      while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
        std::vector<std::optional<std::string>> row;
        for (int i = 0; i < n; ++i) {
          if (sqlite3_column_type(raw, i) == SQLITE_NULL) {
            row.emplace_back(std::nullopt);
          } else {
            const void* p = sqlite3_column_blob(raw, i);
            int len = sqlite3_column_bytes(raw, i);
            row.emplace_back(std::string(static_cast<const char*>(p), p ? len : 0));
          }
        }
        out.rows.push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) return MapError(db_, rc, "query");
      out.affected_rows = static_cast<uint64_t>(sqlite3_changes(db_));
    }
    return out;
  }

  Status CreateTableLike(const std::string& table, const std::string& templ) override {
    if (!db::IsSafeIdentifier(table) || !db::IsSafeIdentifier(templ)) {
      return Status::Invalid("bad table name");
    }
    auto t = Query("SELECT sql FROM sqlite_master WHERE type='table' AND name='" + templ + "'");
    if (!t.ok()) return t.status();
    if (t->rows.empty() || !t->rows[0][0]) {
      return Status::NotFound("template table " + templ + " does not exist");
    }
    auto ix = Query("SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='" + templ +
                    "' AND sql IS NOT NULL");
    if (!ix.ok()) return ix.status();
    std::vector<std::string> isql;
    for (auto& r : ix->rows) isql.push_back(*r[0]);
    auto stmts = RewriteSchemaLike(templ, table, *t->rows[0][0], isql);
    if (!stmts.ok()) return stmts.status();
    for (const auto& s : stmts.value()) SIPCAPD_RETURN_IF_ERROR(Exec(s));
    cache_.clear();
    return Status::Ok();
  }

  std::string QuoteString(std::string_view s) override {
    std::string o = "'";
    for (char c : s) {
      if (c == '\'') o.push_back('\'');
      o.push_back(c);
    }
    return o + "'";
  }

  Status Ping() override { return Exec("SELECT 1"); }

 private:
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Stmt>> cache_;
};

}  // namespace

Result<std::unique_ptr<db::Connection>> SqliteDriver::Connect(const db::Url& url,
                                                              const db::ConnectOptions& opts) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(url.database.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = Status::Unavailable("sqlite open " + url.database + ": " +
                                    (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return st;
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  sqlite3_busy_timeout(db, opts.read_timeout_ms > 0 ? opts.read_timeout_ms : 5000);
  std::string sync = url.Option("synchronous", "NORMAL");
  if (sync != "OFF" && sync != "NORMAL" && sync != "FULL") sync = "NORMAL";
  Status st = conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=" + sync + ";");
  if (!st.ok()) return Status::Unavailable(st.message());
  return std::unique_ptr<db::Connection>(std::move(conn));
}

}  // namespace sipcapd::db_sqlite
