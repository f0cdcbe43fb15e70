#include "modules/db_mysql/mysql_bulk.h"

#include <charconv>
#include <cstring>

#include "core/db/driver.h"
#include "modules/db_mysql/mysql_driver.h"

namespace sipcapd::db_mysql {
namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Bytes of a length-encoded integer in the binary protocol.
size_t LenEncSize(size_t n) { return n < 251 ? 1 : n < 65536 ? 3 : n < (1u << 24) ? 4 : 9; }

}  // namespace

bool BulkSupported(MYSQL* m) {
  unsigned long caps = 0;  // the connector hands back the upper 32 bits only
  if (mariadb_get_infov(m, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &caps) != 0) {
    return false;
  }
  unsigned long server = 0;
  mariadb_get_infov(m, MARIADB_CONNECTION_SERVER_CAPABILITIES, &server);
  if (server & CLIENT_MYSQL) return false;  // MySQL, not MariaDB
  return (caps & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
}

void BulkInserter::Clear() {
  for (auto& [k, s] : stmts_) mysql_stmt_close(s);
  stmts_.clear();
}

Status BulkInserter::StmtError(MYSQL_STMT* s, const std::string& what) {
  unsigned int e = mysql_stmt_errno(s);
  return Status(ClassifyMysqlError(e),
                what + ": (" + std::to_string(e) + ") " + mysql_stmt_error(s));
}

Result<MYSQL_STMT*> BulkInserter::Prepare(const std::string& table,
                                          const std::vector<std::string>& columns) {
  std::string key = table;
  for (const auto& c : columns) key.append(",").append(c);
  auto it = stmts_.find(key);
  if (it != stmts_.end()) return it->second;
  if (!db::IsSafeIdentifier(table)) return Status::Invalid("bad table name '" + table + "'");
  std::string sql = "INSERT INTO `" + table + "` (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!db::IsSafeIdentifier(columns[i])) return Status::Invalid("bad column name");
    sql.append(i ? ",`" : "`").append(columns[i]).push_back('`');
  }
  sql.append(") VALUES (");
  for (size_t i = 0; i < columns.size(); ++i) sql.append(i ? ",?" : "?");
  sql.push_back(')');
  MYSQL_STMT* s = mysql_stmt_init(m_);
  if (!s) return Status::Unavailable("mysql_stmt_init failed");
  if (mysql_stmt_prepare(s, sql.data(), sql.size()) != 0) {
    Status st = StmtError(s, "prepare insert into " + table);
    mysql_stmt_close(s);
    return st;
  }
  stmts_.emplace(key, s);
  return s;
}

size_t BulkInserter::BindColumn(size_t c, std::span<const db::Row> rows) {
  const size_t n = rows.size();
  const size_t base = c * n;
  // One wire type per column: the type shared by its non-NULL values, else text.
  bool seen = false;
  Kind kind = Kind::kText;
  for (const db::Row& r : rows) {
    const db::Value& v = r.values[c];
    if (v.is_null()) continue;
    Kind k = (v.type == db::Type::kInt || v.type == db::Type::kBigInt) ? Kind::kInt
             : v.type == db::Type::kDouble                             ? Kind::kDouble
             : v.type == db::Type::kBlob                               ? Kind::kBlob
                                                                       : Kind::kText;
    if (!seen) {
      kind = k;
      seen = true;
    } else if (k != kind) {
      kind = Kind::kText;
      break;
    }
  }
  MYSQL_BIND& b = binds_[c];
  memset(&b, 0, sizeof(b));
  b.u.indicator = &ind_[base];
  size_t bytes = n;  // indicators
  if (kind == Kind::kInt || kind == Kind::kDouble) {
    for (size_t r = 0; r < n; ++r) {
      const db::Value& v = rows[r].values[c];
      ind_[base + r] = v.is_null() ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
      if (kind == Kind::kInt) {
        ints_[base + r] = v.i;
      } else {
        doubles_[base + r] = v.d;
      }
    }
    b.buffer_type = kind == Kind::kInt ? MYSQL_TYPE_LONGLONG : MYSQL_TYPE_DOUBLE;
    b.buffer = kind == Kind::kInt ? static_cast<void*>(&ints_[base]) : &doubles_[base];
    return bytes + 8 * n;
  }
  char num[40];
  for (size_t r = 0; r < n; ++r) {
    const db::Value& v = rows[r].values[c];
    size_t i = base + r;
    ind_[i] = v.is_null() ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
    arena_off_[i] = -1;
    ptrs_[i] = nullptr;
    lens_[i] = 0;
    switch (v.type) {
      case db::Type::kNull: continue;
      case db::Type::kString:
        if (IsAscii(v.s)) break;
        arena_off_[i] = static_cast<int64_t>(arena_.size());
        AppendValidUtf8(&arena_, v.s);
        if (arena_.size() - arena_off_[i] == v.s.size() &&
            memcmp(arena_.data() + arena_off_[i], v.s.data(), v.s.size()) == 0) {
          arena_.resize(arena_off_[i]);  // valid: bind the original
          arena_off_[i] = -1;
        }
        break;
      case db::Type::kBlob: break;
      case db::Type::kInt:
      case db::Type::kBigInt:
      case db::Type::kDouble: {
        auto res = v.type == db::Type::kDouble ? std::to_chars(num, num + sizeof(num), v.d)
                                               : std::to_chars(num, num + sizeof(num), v.i);
        arena_off_[i] = static_cast<int64_t>(arena_.size());
        arena_.append(num, res.ptr);
        break;
      }
      case db::Type::kDateTime:
        arena_off_[i] = static_cast<int64_t>(arena_.size());
        arena_.append(db::FormatDateTimeUtc(v.i));
        break;
    }
    if (arena_off_[i] >= 0) {
      lens_[i] = static_cast<unsigned long>(arena_.size() - arena_off_[i]);
    } else {
      ptrs_[i] = v.s.data();
      lens_[i] = static_cast<unsigned long>(v.s.size());
    }
    bytes += LenEncSize(lens_[i]) + lens_[i];
  }
  b.buffer_type = kind == Kind::kBlob ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
  b.buffer = &ptrs_[base];
  b.length = &lens_[base];
  return bytes;
}

Status BulkInserter::Insert(const std::string& table, const std::vector<std::string>& columns,
                            std::span<const db::Row> rows, size_t max_packet) {
  if (rows.empty()) return Status::Ok();
  const size_t nc = columns.size(), n = rows.size();
  for (const db::Row& r : rows) {
    if (r.values.size() < nc) return Status::Invalid("row has fewer values than columns");
  }
  auto ps = Prepare(table, columns);
  if (!ps.ok()) return ps.status();
  MYSQL_STMT* s = ps.value();
  binds_.resize(nc);
  ind_.resize(nc * n);
  ints_.resize(nc * n);
  doubles_.resize(nc * n);
  ptrs_.resize(nc * n);
  lens_.resize(nc * n);
  arena_off_.resize(nc * n);
  arena_.clear();
  size_t bytes = 16 + 2 * nc;
  for (size_t c = 0; c < nc; ++c) bytes += BindColumn(c, rows);
  if (max_packet && bytes + 64 > max_packet) {
    return Status::Invalid("bulk insert of " + std::to_string(n) + " rows is about " +
                           std::to_string(bytes) + " bytes, over max_allowed_packet");
  }
  // The arena is complete: resolve pointers into it.
  for (size_t i = 0; i < nc * n; ++i) {
    if (ind_[i] == STMT_INDICATOR_NONE && arena_off_[i] >= 0 &&
        (binds_[i / n].buffer_type == MYSQL_TYPE_STRING ||
         binds_[i / n].buffer_type == MYSQL_TYPE_BLOB)) {
      ptrs_[i] = arena_.data() + arena_off_[i];
    }
  }
  unsigned int size = static_cast<unsigned int>(n);
  Status st = Status::Ok();
  if (mysql_stmt_attr_set(s, STMT_ATTR_ARRAY_SIZE, &size) != 0 ||
      mysql_stmt_bind_param(s, binds_.data()) != 0) {
    st = StmtError(s, "bind insert into " + table);
  } else if (mysql_stmt_execute(s) != 0) {
    st = StmtError(s, "bulk insert into " + table);
  }
  if (!st.ok()) {
    // Prepared again next time (the statement may be invalid after e.g. ALTER).
    for (auto it = stmts_.begin(); it != stmts_.end(); ++it) {
      if (it->second == s) {
        stmts_.erase(it);
        break;
      }
    }
    mysql_stmt_close(s);
    return st;
  }
  if (arena_.capacity() > (64u << 20)) std::string().swap(arena_);
  return Status::Ok();
}

}  // namespace sipcapd::db_mysql
