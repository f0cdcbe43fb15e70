// BatchWriter: the DB side (split on data errors, create-like), the spool
// and the quarantine file.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "core/base/log.h"
#include "core/db/batch_writer.h"
#include "core/db/spool_format.h"

namespace sipcapd::db {
namespace {
constexpr const char* kLog = "db";

void JsonEscape(std::string* o, std::string_view s) {
  o->push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o->push_back('\\');
      o->push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", c);  // bytes, not code points
      o->append(buf);
    } else {
      o->push_back(static_cast<char>(c));
    }
  }
  o->push_back('"');
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string BatchWriter::CreateLikeFor(const std::string& table, int64_t time_us) const {
  for (const auto& s : specs_) {
    if (!s->spec.create_like.empty() && s->pattern.Expand(time_us) == table) {
      return s->spec.create_like;
    }
  }
  return "";
}

Status BatchWriter::InsertWithCreate(Connection* conn, const std::string& table,
                                     const std::vector<std::string>& cols,
                                     const std::string& create_like, std::span<const Row> rows) {
  auto t0 = std::chrono::steady_clock::now();
  Status st = conn->Insert(table, cols, rows);
  if (st.code() == StatusCode::kNotFound && !create_like.empty() && create_like != table) {
    Status cs = conn->CreateTableLike(table, create_like);
    if (cs.ok()) {
      c_.created_tables.Inc();
      LOG_NOTICE(kLog, "%s: created table %s like %s", opts_.stats_group.c_str(), table.c_str(),
                 create_like.c_str());
    }
    if (cs.code() == StatusCode::kUnavailable) return cs;
    st = conn->Insert(table, cols, rows);
  }
  if (st.ok()) {
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    c_.insert_latency_us.Set(us);
    c_.last_insert_time.Set(NowMicros() / 1000000);
    c_.stored.Inc(static_cast<int64_t>(rows.size()));
  }
  return st;
}

Status BatchWriter::WriteRange(Connection* conn, const std::string& table,
                               const std::vector<std::string>& cols, const std::string& create_like,
                               std::span<const Row> rows, size_t* done) {
  *done = 0;
  if (rows.empty()) return Status::Ok();
  Status st = InsertWithCreate(conn, table, cols, create_like, rows);
  if (st.ok()) {
    *done = rows.size();
    return st;
  }
  if (st.code() == StatusCode::kUnavailable) return st;
  if (rows.size() == 1) {
    Quarantine(table, cols, rows[0], st);
    *done = 1;
    return Status::Ok();
  }
  c_.retries.Inc();
  size_t half = rows.size() / 2;
  size_t d1 = 0, d2 = 0;
  st = WriteRange(conn, table, cols, create_like, rows.first(half), &d1);
  *done = d1;
  if (!st.ok()) return st;
  st = WriteRange(conn, table, cols, create_like, rows.subspan(half), &d2);
  *done = d1 + d2;
  return st;
}

bool BatchWriter::SpoolRows(const std::string& table, const std::vector<std::string>& cols,
                            std::span<const Row> rows) {
  if (rows.empty()) return true;
  if (!spool_on_) return false;
  Status st = spool_.Append(EncodeBatch(table, cols, rows));
  if (!st.ok()) {
    LOG_ERR(kLog, "%s: cannot spool %zu rows: %s", opts_.stats_group.c_str(), rows.size(),
            st.message().c_str());
    return false;
  }
  c_.spooled.Inc(static_cast<int64_t>(rows.size()));
  c_.spool_bytes.Set(static_cast<int64_t>(spool_.file_bytes()));
  return true;
}

bool BatchWriter::ReplayOne(Connection* conn) {
  std::string payload;
  if (!spool_.Peek(&payload)) return true;
  auto b = DecodeBatch(payload);
  if (!b.ok()) {  // cannot happen after the CRC check, unless a format bug
    LOG_ERR(kLog, "%s: undecodable spool record skipped: %s", opts_.stats_group.c_str(),
            b.status().message().c_str());
    spool_.Consume();
    return true;
  }
  DecodedBatch& d = b.value();
  std::string like = d.rows.empty() ? "" : CreateLikeFor(d.table, d.rows[0].time_us);
  size_t done = 0;
  Status st = WriteRange(conn, d.table, d.columns, like, d.rows, &done);
  if (!st.ok()) {
    if (done > 0) {
      // Keep the unstored tail only: re-append it and consume this record.
      std::span<const Row> rest(d.rows.data() + done, d.rows.size() - done);
      if (spool_.Append(EncodeBatch(d.table, d.columns, rest)).ok()) {
        c_.replayed.Inc(static_cast<int64_t>(done));
        spool_.Consume();
      }
    }
    return false;
  }
  // Count first: WaitIdle() returns once the spool is empty, and a reader of
  // the counter after it must see these rows.
  c_.replayed.Inc(static_cast<int64_t>(d.rows.size()));
  spool_.Consume();
  c_.spool_bytes.Set(static_cast<int64_t>(spool_.file_bytes()));
  return true;
}

void BatchWriter::Quarantine(const std::string& table, const std::vector<std::string>& cols,
                             const Row& row, const Status& why) {
  c_.quarantined.Inc();
  LOG_WARN(kLog, "%s: row rejected by %s, quarantined: %s", opts_.stats_group.c_str(),
           table.c_str(), why.message().c_str());
  if (quarantine_fd_ < 0) return;
  std::string o = "{\"time_us\":" + std::to_string(row.time_us) + ",\"table\":";
  JsonEscape(&o, table);
  o += ",\"error\":";
  JsonEscape(&o, why.message());
  o += ",\"row\":{";
  for (size_t i = 0; i < cols.size() && i < row.values.size(); ++i) {
    if (i) o.push_back(',');
    JsonEscape(&o, cols[i]);
    o.push_back(':');
    const Value& v = row.values[i];
    switch (v.type) {
      case Type::kNull: o += "null"; break;
      case Type::kInt:
      case Type::kBigInt:
      case Type::kDateTime: o += std::to_string(v.i); break;
      case Type::kDouble: o += std::to_string(v.d); break;
      case Type::kString:
      case Type::kBlob: JsonEscape(&o, v.s); break;
    }
  }
  o += "}}\n";
  std::lock_guard<std::mutex> lk(qmu_);
  size_t off = 0;
  while (off < o.size()) {
    ssize_t n = write(quarantine_fd_, o.data() + off, o.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace sipcapd::db
