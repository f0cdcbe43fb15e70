#include "modules/db_sqlite/sqlite_driver.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>

#include "core/base/log.h"
#include "modules/db_sqlite/sqlite_checkpointer.h"

namespace sipcapd::db_sqlite {
namespace {

// Page cache per connection. Small on purpose: a large cache (64 MiB was
// tried) costs ~2x the CPU per inserted row (every new page is a fresh
// malloc + page fault; the insert path only needs the B-tree edges hot).
constexpr long long kDefaultCacheKb = 2 * 1024;
constexpr long long kDefaultWalAutocheckpoint = 1000;  // pages (SQLite default)
// Page size for a file created by this connection (no effect on an existing
// database): fewer B-tree pages, splits and WAL frames per ~1 KB HOMER row.
constexpr long long kDefaultPageSize = 8192;

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
    if (checkpointer_) {
      sqlite3_wal_hook(db_, nullptr, nullptr);
      checkpointer_.reset();
    }
    cache_.clear();
    for (auto& c : control_) c.reset();
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

  // Cached statement inserting `nrows` rows of `columns` into `table`.
  Result<sqlite3_stmt*> InsertStmt(const std::string& table,
                                   const std::vector<std::string>& columns, size_t nrows) {
    std::string key = std::to_string(nrows) + ":" + table;
    for (const auto& c : columns) key.append(",").append(c);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second->get();
    std::string sql = "INSERT INTO \"" + table + "\" (";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!db::IsSafeIdentifier(columns[i])) return Status::Invalid("bad column name");
      sql += (i ? ",\"" : "\"") + columns[i] + "\"";
    }
    sql += ") VALUES ";
    for (size_t r = 0; r < nrows; ++r) {
      sql += r ? ",(" : "(";
      for (size_t i = 0; i < columns.size(); ++i) sql += i ? ",?" : "?";
      sql += ")";
    }
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) return MapError(db_, rc, "prepare insert into " + table);
    cache_.emplace(key, std::make_unique<Stmt>(s));
    return s;
  }

  // Binds rows[0..n) to `s` (row r's column i is parameter r*ncols+i+1).
  // Text and blobs are bound SQLITE_STATIC: the rows outlive the step.
  int BindRows(sqlite3_stmt* s, size_t ncols, std::span<const db::Row> rows) {
    int rc = SQLITE_OK;
    for (size_t r = 0; r < rows.size(); ++r) {
      const auto& vals = rows[r].values;
      for (size_t i = 0; i < ncols && rc == SQLITE_OK; ++i) {
        const db::Value& v = vals[i];
        int idx = static_cast<int>(r * ncols + i + 1);
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
            char t[db::kDateTimeBufSize];
            size_t n = db::FormatDateTimeUtc(v.i, t);
            rc = sqlite3_bind_text(s, idx, t, static_cast<int>(n), SQLITE_TRANSIENT);
            break;
          }
        }
      }
    }
    return rc;
  }

  // BEGIN / COMMIT / ROLLBACK through cached statements.
  int Control(int which) {
    static const char* const kSql[] = {"BEGIN", "COMMIT", "ROLLBACK"};
    if (!control_[which]) {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v3(db_, kSql[which], -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) return rc;
      control_[which] = std::make_unique<Stmt>(s);
    }
    sqlite3_stmt* s = control_[which]->get();
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }

  // Rows go in statements of kRowsPerStmt rows (fewer VM runs and
  // statement resets per row), the remainder one row at a time, all in one
  // transaction: any failure rolls the whole call back.
  Status Insert(const std::string& table, const std::vector<std::string>& columns,
                std::span<const db::Row> rows) override {
    if (!db::IsSafeIdentifier(table)) return Status::Invalid("bad table name '" + table + "'");
    if (rows.empty()) return Status::Ok();
    const size_t nc = columns.size();
    for (const db::Row& r : rows) {
      if (r.values.size() < nc) return Status::Invalid("row has fewer values than columns");
    }
    size_t max_params = static_cast<size_t>(sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, -1));
    size_t per = std::clamp<size_t>(max_params / std::max<size_t>(nc, 1), 1, rows_per_stmt_);
    int rc = Control(kBegin);
    if (rc != SQLITE_OK) return MapError(db_, rc, "begin");
    size_t done = 0;
    Status st = Status::Ok();
    while (done < rows.size() && st.ok()) {
      size_t n = rows.size() - done >= per ? per : 1;
      auto s = InsertStmt(table, columns, n);
      if (!s.ok()) {
        st = s.status();
        break;
      }
      rc = BindRows(s.value(), nc, rows.subspan(done, n));
      if (rc == SQLITE_OK) rc = sqlite3_step(s.value());
      if (rc != SQLITE_DONE) st = MapError(db_, rc, "insert into " + table);
      sqlite3_reset(s.value());
      done += n;
    }
    if (st.ok()) {
      rc = Control(kCommit);
      if (rc == SQLITE_OK) return st;
      st = MapError(db_, rc, "commit");
    }
    Control(kRollback);
    return st;
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

  // Moves WAL checkpoints to a background thread (sqlite_checkpointer.h):
  // replaces the automatic checkpoint of this connection.
  Status StartCheckpointer(const std::string& path, int frames, const std::string& sync) {
    auto c = Checkpointer::Start(path, frames, sync);
    if (!c.ok()) return c.status();
    checkpointer_ = std::move(c.value());
    sqlite3_wal_hook(
        db_,
        [](void* arg, sqlite3* db, const char*, int frames) {
          static_cast<Checkpointer*>(arg)->OnCommit(db, frames);
          return SQLITE_OK;
        },
        checkpointer_.get());
    return Status::Ok();
  }

 private:
  enum { kBegin = 0, kCommit = 1, kRollback = 2 };
  static constexpr size_t kRowsPerStmt = 32;

 public:
  size_t rows_per_stmt_ = kRowsPerStmt;

 private:
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Stmt>> cache_;
  std::unique_ptr<Stmt> control_[3];
  std::unique_ptr<Checkpointer> checkpointer_;
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
  // Numeric tuning options (doc/modules/db_sqlite.md); a bad value keeps the default.
  auto num = [&](const char* key, long long def) {
    std::string v = url.Option(key);
    char* end = nullptr;
    long long n = v.empty() ? def : strtoll(v.c_str(), &end, 10);
    return (v.empty() || (end && *end == '\0')) ? n : def;
  };
  // page_size first: it only applies while the file is still empty.
  std::string pragmas = "PRAGMA page_size=" + std::to_string(num("page_size", kDefaultPageSize)) +
                        "; PRAGMA journal_mode=WAL; PRAGMA synchronous=" + sync +
                        "; PRAGMA temp_store=MEMORY; PRAGMA cache_size=" +
                        std::to_string(-num("cache_kb", kDefaultCacheKb)) +
                        "; PRAGMA wal_autocheckpoint=" +
                        std::to_string(num("wal_autocheckpoint", kDefaultWalAutocheckpoint)) +
                        "; PRAGMA mmap_size=" + std::to_string(num("mmap_size", 0)) + ";";
  conn->rows_per_stmt_ = static_cast<size_t>(std::max(1LL, num("rows_per_statement", 32)));
  Status st = conn->Exec(pragmas);
  if (!st.ok()) return Status::Unavailable(st.message());
  // Checkpoints in a background thread unless disabled (?checkpoint_thread=0)
  // or there is nothing to checkpoint (wal_autocheckpoint=0, no WAL: an
  // in-memory database).
  long long frames = num("wal_autocheckpoint", kDefaultWalAutocheckpoint);
  auto mode = conn->Query("PRAGMA journal_mode");
  bool wal = mode.ok() && !mode->rows.empty() && mode->rows[0][0] == std::string("wal");
  if (wal && frames > 0 && url.Option("checkpoint_thread", "1") != "0") {
    st = conn->StartCheckpointer(url.database, static_cast<int>(frames), sync);
    if (!st.ok()) {  // SQLite's inline autocheckpoint stays in place
      LOG_WARN("db_sqlite", "no background checkpoints: %s", st.message().c_str());
    }
  }
  return std::unique_ptr<db::Connection>(std::move(conn));
}

}  // namespace sipcapd::db_sqlite
