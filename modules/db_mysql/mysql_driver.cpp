#include "modules/db_mysql/mysql_driver.h"

#include <mysql.h>

#include <charconv>
#include <cstdlib>
#include <mutex>

#include "core/base/log.h"
#include "modules/db_mysql/mysql_bulk.h"

namespace sipcapd::db_mysql {
namespace {

int OptSeconds(const db::Url& url, const char* key, int ms_default) {
  std::string v = url.Option(key);
  int s = v.empty() ? (ms_default + 999) / 1000 : atoi(v.c_str());
  return s > 0 ? s : 1;
}

class MysqlConnection : public db::Connection {
 public:
  MysqlConnection(MYSQL* m, InsertCounters* counters) : m_(m), counters_(counters) {}
  ~MysqlConnection() override {
    bulk_.reset();  // statements close before their connection
    mysql_close(m_);
  }

  Status Error(const std::string& what) {
    unsigned int e = mysql_errno(m_);
    return Status(ClassifyMysqlError(e), what + ": (" + std::to_string(e) + ") " + mysql_error(m_));
  }

  Status Exec(const std::string& sql) {
    if (mysql_real_query(m_, sql.data(), sql.size()) != 0) return Error("query");
    MYSQL_RES* r = mysql_store_result(m_);
    if (r) mysql_free_result(r);
    return Status::Ok();
  }

  void AppendEscaped(std::string* o, std::string_view s) {
    size_t at = o->size();
    o->resize(at + s.size() * 2 + 1);
    unsigned long n = mysql_real_escape_string(m_, o->data() + at, s.data(),
                                               static_cast<unsigned long>(s.size()));
    o->resize(at + n);
  }

  void AppendValue(std::string* o, const db::Value& v) {
    char num[32];
    switch (v.type) {
      case db::Type::kNull: o->append("NULL"); break;
      case db::Type::kInt:
      case db::Type::kBigInt: {
        auto r = std::to_chars(num, num + sizeof(num), v.i);
        o->append(num, r.ptr);
        break;
      }
      case db::Type::kDouble: {
        auto r = std::to_chars(num, num + sizeof(num), v.d);
        o->append(num, r.ptr);
        break;
      }
      case db::Type::kString: {
        o->push_back('\'');
        bool ascii = true;
        for (unsigned char c : v.s) {
          if (c >= 0x80) {
            ascii = false;
            break;
          }
        }
        if (ascii) {
          AppendEscaped(o, v.s);
        } else {
          std::string clean;
          clean.reserve(v.s.size());
          AppendValidUtf8(&clean, v.s);
          AppendEscaped(o, clean);
        }
        o->push_back('\'');
        break;
      }
      case db::Type::kBlob:
        o->append("_binary'");
        AppendEscaped(o, v.s);
        o->push_back('\'');
        break;
      case db::Type::kDateTime:
        o->push_back('\'');
        o->append(db::FormatDateTimeUtc(v.i));
        o->push_back('\'');
        break;
    }
  }

  Status Insert(const std::string& table, const std::vector<std::string>& columns,
                std::span<const db::Row> rows) override {
    if (rows.empty()) return Status::Ok();
    if (bulk_) {
      counters_->bulk.Inc();
      return bulk_->Insert(table, columns, rows, max_packet_);
    }
    counters_->multi_row.Inc();
    if (!db::IsSafeIdentifier(table)) return Status::Invalid("bad table name '" + table + "'");
    std::string& q = buf_;
    q.clear();
    q.append("INSERT INTO `").append(table).append("` (");
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!db::IsSafeIdentifier(columns[i])) return Status::Invalid("bad column name");
      q.append(i ? ",`" : "`").append(columns[i]).push_back('`');
    }
    q.append(") VALUES ");
    for (size_t r = 0; r < rows.size(); ++r) {
      q.append(r ? ",(" : "(");
      const auto& vals = rows[r].values;
      for (size_t i = 0; i < columns.size(); ++i) {
        if (i) q.push_back(',');
        AppendValue(&q, i < vals.size() ? vals[i] : db::Value());
      }
      q.push_back(')');
    }
    if (max_packet_ && q.size() + 64 > max_packet_) {
      return Status::Invalid("insert of " + std::to_string(rows.size()) + " rows is " +
                             std::to_string(q.size()) + " bytes, over max_allowed_packet");
    }
    if (mysql_real_query(m_, q.data(), q.size()) != 0) return Error("insert into " + table);
    if (q.capacity() > (64u << 20)) std::string().swap(q);
    return Status::Ok();
  }

  Result<db::QueryResult> Query(const std::string& sql) override {
    if (mysql_real_query(m_, sql.data(), sql.size()) != 0) return Error("query");
    db::QueryResult out;
    MYSQL_RES* r = mysql_store_result(m_);
    if (!r) {
      if (mysql_field_count(m_) != 0) return Error("query result");
      out.affected_rows = mysql_affected_rows(m_);
      return out;
    }
    unsigned int n = mysql_num_fields(r);
    MYSQL_FIELD* f = mysql_fetch_fields(r);
    for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(f[i].name);
    while (MYSQL_ROW row = mysql_fetch_row(r)) {
      unsigned long* len = mysql_fetch_lengths(r);
      std::vector<std::optional<std::string>> vals;
      for (unsigned int i = 0; i < n; ++i) {
        if (row[i]) {
          vals.emplace_back(std::string(row[i], len[i]));
        } else {
          vals.emplace_back(std::nullopt);
        }
      }
      out.rows.push_back(std::move(vals));
    }
    mysql_free_result(r);
    return out;
  }

  Status CreateTableLike(const std::string& table, const std::string& templ) override {
    if (!db::IsSafeIdentifier(table) || !db::IsSafeIdentifier(templ)) {
      return Status::Invalid("bad table name");
    }
    return Exec("CREATE TABLE IF NOT EXISTS `" + table + "` LIKE `" + templ + "`");
  }

  std::string QuoteString(std::string_view s) override {
    std::string o = "'";
    AppendEscaped(&o, s);
    return o + "'";
  }

  Status Ping() override {
    if (mysql_ping(m_) != 0) return Error("ping");
    return Status::Ok();
  }

  bool bulk() const { return bulk_ != nullptr; }

  Status Setup(InsertMode mode) {
    SIPCAPD_RETURN_IF_ERROR(Exec("SET time_zone='+00:00'"));
    if (mode == InsertMode::kBulk && BulkSupported(m_)) bulk_ = std::make_unique<BulkInserter>(m_);
    auto r = Query("SELECT @@max_allowed_packet");
    if (r.ok() && !r->rows.empty() && r->rows[0][0]) {
      max_packet_ = strtoull(r->rows[0][0]->c_str(), nullptr, 10);
    }
    return Status::Ok();
  }

 private:
  MYSQL* m_;
  InsertCounters* counters_;
  std::unique_ptr<BulkInserter> bulk_;  // set: bulk mode
  std::string buf_;
  size_t max_packet_ = 0;
};

}  // namespace

MysqlDriver::MysqlDriver() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

Result<std::unique_ptr<db::Connection>> MysqlDriver::Connect(const db::Url& url,
                                                             const db::ConnectOptions& opts) {
  MYSQL* m = mysql_init(nullptr);
  if (!m) return Status::Unavailable("mysql_init failed");
  unsigned int ct = OptSeconds(url, "connect_timeout", opts.connect_timeout_ms);
  unsigned int rt = OptSeconds(url, "read_timeout", opts.read_timeout_ms);
  unsigned int wt = OptSeconds(url, "write_timeout", opts.write_timeout_ms);
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
  mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &wt);
  my_bool no = 0;
  mysql_options(m, MYSQL_OPT_RECONNECT, &no);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const char* host = url.socket.empty() ? url.host.c_str() : "localhost";
  const char* sock = url.socket.empty() ? nullptr : url.socket.c_str();
  if (!mysql_real_connect(m, host, url.user.c_str(), url.password.c_str(), url.database.c_str(),
                          static_cast<unsigned int>(url.port), sock, 0)) {
    unsigned int e = mysql_errno(m);
    Status st = Status::Unavailable("mysql connect to " + url.Redacted() + ": (" +
                                    std::to_string(e) + ") " + mysql_error(m));
    mysql_close(m);
    return st;
  }
  auto conn = std::make_unique<MysqlConnection>(m, &counters_);
  auto mode = ModeFor(url);
  if (!mode.ok()) return mode.status();
  Status st = conn->Setup(mode.value());
  if (!st.ok()) return Status::Unavailable(st.message());
  LOG_INFO("db_mysql", "connected to %s, insert_mode=%s%s", url.Redacted().c_str(),
           InsertModeName(conn->bulk() ? InsertMode::kBulk : InsertMode::kMultiRow),
           mode.value() == InsertMode::kBulk && !conn->bulk()
               ? " (bulk not supported by the server)"
               : "");
  return std::unique_ptr<db::Connection>(std::move(conn));
}

Result<InsertMode> MysqlDriver::ModeFor(const db::Url& url) const {
  std::string o = url.Option("insert_mode");
  if (o.empty()) return mode_;
  auto m = ParseInsertMode(o);
  if (!m.ok()) return Status::Invalid(url.Redacted() + ": " + m.status().message());
  return m.value();
}

Status MysqlDriver::ValidateUrl(const db::Url& url) const { return ModeFor(url).status(); }

}  // namespace sipcapd::db_mysql
