// link: db_mysql_logic db_sqlite_logic
// Storage benchmark (run by test/bench/db_bench.sh):
//   db_storage_bench mysql  <url> <rows> <sql_out_file> [bulk|multi_row]
//     BatchWriter rows/s into the HOMER 5 sip_capture table with the given
//     db_mysql insert mode (default: the driver default), then (if
//     <sql_out_file> is not "-") writes the same rows as 1000-row INSERT
//     statements for the mysql client comparison done by the script.
//   db_storage_bench sqlite <file> <rows>
//     BatchWriter rows/s into SQLite, then the driver alone (1000-row
//     Insert calls from pre-built rows, no BatchWriter) into a copy of the
//     table, to separate BatchWriter overhead from SQLite time.
// Prints "name rows seconds rows_per_s cpu_seconds rows_per_cpu_s sys_s X
// load X" lines (CPU = user+sys of the whole process over the timed part: on
// a shared, loaded machine it shows the cost independent of waiting for a
// core; load = the 1-minute load average when the timed part started).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/db/batch_writer.h"
#include "modules/db_mysql/mysql_driver.h"
#include "modules/db_sqlite/sqlite_driver.h"

using namespace sipcapd;
using namespace sipcapd::db;

namespace {

const std::vector<std::string> kCols = {"date",           "micro_ts",
                                        "method",         "reply_reason",
                                        "ruri",           "ruri_user",
                                        "ruri_domain",    "from_user",
                                        "from_domain",    "from_tag",
                                        "to_user",        "to_domain",
                                        "to_tag",         "pid_user",
                                        "contact_user",   "auth_user",
                                        "callid",         "callid_aleg",
                                        "via_1",          "via_1_branch",
                                        "cseq",           "diversion",
                                        "reason",         "content_type",
                                        "auth",           "user_agent",
                                        "source_ip",      "source_port",
                                        "destination_ip", "destination_port",
                                        "contact_ip",     "contact_port",
                                        "originator_ip",  "originator_port",
                                        "correlation_id", "custom_field1",
                                        "custom_field2",  "custom_field3",
                                        "proto",          "family",
                                        "rtp_stat",       "type",
                                        "node",           "msg"};

// Rows per batch/transaction: DB_BENCH_BATCH_ROWS (default 1000).
size_t BatchRows() {
  const char* e = getenv("DB_BENCH_BATCH_ROWS");
  int n = e ? atoi(e) : 0;
  return n > 0 ? static_cast<size_t>(n) : 1000;
}

double SysSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

double CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + SysSeconds();
}

double LoadAverage() {
  double l = -1;
  if (FILE* f = fopen("/proc/loadavg", "r")) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

// The trailing "sys_s X" is the kernel part of cpu_seconds (pwrite of WAL
// frames and checkpoints, page faults of fresh memory).
void Report(const char* name, int rows, double s, double cpu, double sys, double load) {
  printf("%s %d %.3f %.0f %.3f %.0f sys_s %.3f load %.2f\n", name, rows, s, rows / s, cpu,
         rows / cpu, sys, load);
  fflush(stdout);
}

Row HomerRow(int i) {
  int64_t t = 1700000000000000LL + int64_t(i) * 100;
  std::string callid = "a84b4c76e66710-" + std::to_string(i / 6) + "@10.0.0.1";
  std::string msg =
      "INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" +
      std::to_string(i) +
      "\r\nMax-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\nFrom: Alice "
      "<sip:alice@atlanta.example.com>;tag=1928301774\r\nCall-ID: " +
      callid +
      "\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@10.0.0.1>\r\nUser-Agent: bench/1.0\r\n"
      "Content-Type: application/sdp\r\nContent-Length: 142\r\n\r\nv=0\r\no=alice 2890844526 "
      "2890844526 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP "
      "0\r\na=rtpmap:0 PCMU/8000\r\n";
  auto S = [](std::string s) { return Value::String(std::move(s)); };
  Row r;
  r.time_us = t;
  r.values = {Value::DateTime(t),
              Value::BigInt(t),
              S("INVITE"),
              S(""),
              S("sip:bob@biloxi.example.com"),
              S("bob"),
              S("biloxi.example.com"),
              S("alice"),
              S("atlanta.example.com"),
              S("1928301774"),
              S("bob"),
              S("biloxi.example.com"),
              S(""),
              S(""),
              S(""),
              S(""),
              S(callid),
              S(""),
              S("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + std::to_string(i)),
              S("z9hG4bK" + std::to_string(i)),
              S("314159 INVITE"),
              S(""),
              S(""),
              S("application/sdp"),
              S(""),
              S("bench/1.0"),
              S("10.0.0.1"),
              Value::Int(5060),
              S("10.0.0.2"),
              Value::Int(5060),
              S("10.0.0.1"),
              Value::Int(5060),
              S(""),
              Value::Int(0),
              S(""),
              S(""),
              S(""),
              S(""),
              Value::Int(17),
              Value::Int(2),
              S(""),
              Value::Int(1),
              S("homer01:2001"),
              S(msg)};
  return r;
}

double RunWriter(Driver* drv, const Url& url, int rows, const char* name) {
  StatsRegistry stats;
  BatchWriterOptions o;
  o.stats_group = name;
  o.batch_rows = BatchRows();
  o.max_queue_bytes = 256u << 20;
  o.max_async_queries = 2;
  BatchWriter w(drv, url, o, &stats);
  auto id = w.AddTable({"sip_capture", kCols, false, ""});
  if (!id.ok() || !w.Start().ok()) return -1;
  // Connect before timing (the writers start with backoff from 0).
  for (int i = 0; i < 200 && w.counters().db_connected.Get() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<Row> pre;
  pre.reserve(rows);
  for (int i = 0; i < rows; ++i) pre.push_back(HomerRow(i));
  double c0 = CpuSeconds(), k0 = SysSeconds(), load = LoadAverage();
  auto t0 = std::chrono::steady_clock::now();
  // Back-pressure like a real producer would need: never more than half the
  // queue bound queued (the writer has ~40k rows = ~0.4 s of work queued
  // then; measured: it never waited for a batch between the first and the
  // last stored row).
  const auto limit = static_cast<int64_t>(o.max_queue_bytes / 2);
  for (auto& r : pre) {
    // Back off while the queue is half full (a long run would hit the
    // memory bound and spool): bounded to 10 s per row.
    for (int k = 0; k < 50000 && w.counters().queued_bytes.Get() > limit; ++k) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    Status st = w.Enqueue(id.value(), std::move(r));
    if (!st.ok()) {
      fprintf(stderr, "%s: enqueue: %s\n", name, st.message().c_str());
      return -1;
    }
  }
  if (!w.WaitIdle(std::chrono::seconds(600))) return -1;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (w.counters().stored.Get() != rows) {
    fprintf(stderr, "%s: stored %lld of %d\n", name,
            static_cast<long long>(w.counters().stored.Get()), rows);
    return -1;
  }
  Report(name, rows, s, CpuSeconds() - c0, SysSeconds() - k0, load);
  return rows / s;
}

// The driver alone: Insert calls of 1000 pre-built rows into a fresh copy
// of sip_capture (same indexes), one connection, no BatchWriter.
double RunDriverOnly(Driver* drv, const Url& url, int rows, const char* name) {
  auto c = drv->Connect(url, {});
  if (!c.ok()) return -1;
  Connection* conn = c.value().get();
  (void)conn->Query("DROP TABLE IF EXISTS sip_capture_bench_copy");
  if (!conn->CreateTableLike("sip_capture_bench_copy", "sip_capture").ok()) return -1;
  std::vector<Row> pre;
  pre.reserve(rows);
  for (int i = 0; i < rows; ++i) pre.push_back(HomerRow(i));
  double c0 = CpuSeconds(), k0 = SysSeconds(), load = LoadAverage();
  auto t0 = std::chrono::steady_clock::now();
  const int batch = static_cast<int>(BatchRows());
  for (int i = 0; i < rows; i += batch) {
    std::span<const Row> chunk(pre.data() + i, std::min(rows - i, batch));
    Status st = conn->Insert("sip_capture_bench_copy", kCols, chunk);
    if (!st.ok()) {
      fprintf(stderr, "%s: %s\n", name, st.message().c_str());
      return -1;
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Report(name, rows, s, CpuSeconds() - c0, SysSeconds() - k0, load);
  return rows / s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s mysql <url> <rows> <sql_out> | sqlite <file> <rows>\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  int rows = atoi(argv[3]);
  if (mode == "sqlite") {
    db_sqlite::SqliteDriver drv;
    auto url = ParseUrl(std::string("sqlite://") + argv[2]);
    if (!url.ok()) return 2;
    if (RunWriter(&drv, url.value(), rows, "sqlite_batchwriter") <= 0) return 1;
    return RunDriverOnly(&drv, url.value(), rows, "sqlite_driver_only") > 0 ? 0 : 1;
  }
  if (mode != "mysql" || argc < 5) return 2;
  db_mysql::MysqlDriver drv;
  if (argc > 5) {
    auto m = db_mysql::ParseInsertMode(argv[5]);
    if (!m.ok()) {
      fprintf(stderr, "%s\n", m.status().message().c_str());
      return 2;
    }
    drv.set_insert_mode(m.value());
  }
  auto url = ParseUrl(argv[2]);
  if (!url.ok()) {
    fprintf(stderr, "%s\n", url.status().message().c_str());
    return 2;
  }
  std::string name =
      std::string("mysql_batchwriter_") + db_mysql::InsertModeName(drv.insert_mode());
  if (RunWriter(&drv, url.value(), rows, name.c_str()) <= 0) return 1;
  if (std::string(argv[4]) == "-") return 0;
  // The same rows as 1000-row INSERTs for the mysql client.
  auto c = drv.Connect(url.value(), {});
  if (!c.ok()) return 1;
  std::ofstream out(argv[4]);
  out << "SET time_zone='+00:00';\n";
  for (int i = 0; i < rows; i += 1000) {
    out << "INSERT INTO sip_capture (";
    for (size_t k = 0; k < kCols.size(); ++k) out << (k ? "," : "") << kCols[k];
    out << ") VALUES ";
    for (int j = i; j < std::min(rows, i + 1000); ++j) {
      Row r = HomerRow(j);
      out << (j > i ? ",(" : "(");
      for (size_t k = 0; k < r.values.size(); ++k) {
        const Value& v = r.values[k];
        if (k) out << ',';
        if (v.type == Type::kString) {
          out << c.value()->QuoteString(v.s);
        } else if (v.type == Type::kDateTime) {
          out << '\'' << FormatDateTimeUtc(v.i) << '\'';
        } else {
          out << v.i;
        }
      }
      out << ')';
    }
    out << ";\n";
  }
  return 0;
}
