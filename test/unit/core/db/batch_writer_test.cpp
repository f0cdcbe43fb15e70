// BatchWriter against a scriptable fake driver: batching, flush timer,
// DB down/up, stalls and the memory bound, bad rows, shutdown, torn spool.
#include "core/db/batch_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "test/unit/core/db/fake_driver.h"

namespace sipcapd::db {
namespace {

using testing::FakeDriver;
using namespace std::chrono_literals;

constexpr int64_t kT0 = 1700006000000000;  // 2023-11-14 23:53:20 UTC

std::string TempDir() {
  char tmpl[] = "/tmp/sipcapd_bw_XXXXXX";
  return mkdtemp(tmpl);
}

Row MakeRow(int id, int64_t t = kT0, size_t pad = 10) {
  Row r;
  r.time_us = t;
  r.values = {Value::Int(id), Value::String(std::string(pad, 'x'))};
  return r;
}

struct Fixture {
  FakeDriver drv;
  StatsRegistry stats;
  std::string dir = TempDir();
  BatchWriterOptions Opts() {
    BatchWriterOptions o;
    o.stats_group = "bwtest";
    o.spool_dir = dir;
    o.flush_interval_ms = 20;
    o.batch_rows = 100;
    o.reconnect_min_ms = 10;
    o.reconnect_max_ms = 50;
    o.spool_fsync = FsyncPolicy::kNever;
    return o;
  }
  std::unique_ptr<BatchWriter> Make(BatchWriterOptions o, int* tid,
                                    const std::string& pattern = "t") {
    auto w = std::make_unique<BatchWriter>(&drv, Url{}, o, &stats);
    TableSpec s;
    s.name_pattern = pattern;
    s.columns = {"id", "pad"};
    auto r = w->AddTable(s);
    EXPECT_TRUE(r.ok());
    *tid = r.ok() ? r.value() : -1;
    EXPECT_TRUE(w->Start().ok());
    return w;
  }
  std::set<int64_t> Ids() {
    std::lock_guard<std::mutex> lk(drv.mu);
    std::set<int64_t> ids;
    for (auto& [t, v] : drv.stored) {
      for (auto& r : v) ids.insert(r.values[0].i);
    }
    return ids;
  }
};

TEST(BatchWriter, QuietNodeFlushesByTimer) {
  Fixture f;
  int t;
  auto w = f.Make(f.Opts(), &t);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->Enqueue(t, MakeRow(i)).ok());
  auto start = std::chrono::steady_clock::now();
  // The driver holds the rows before the writer counts them: wait for both.
  while ((f.drv.StoredCount() < 5 || w->counters().stored.Get() < 5) &&
         std::chrono::steady_clock::now() - start < 2s) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(f.drv.StoredCount(), 5u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(w->counters().stored.Get(), 5);
  auto e = f.stats.Query("bwtest:stored_rows");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].Value(), 5);
}

// Start() asks the driver to check its URL options: a bad one is a startup
// error, not a connect failure retried for ever.
TEST(BatchWriter, StartFailsOnDriverUrlError) {
  struct PickyDriver : FakeDriver {
    Status ValidateUrl(const Url& url) const override {
      return url.Option("mode") == "bad" ? Status::Invalid("mode must not be bad") : Status::Ok();
    }
  };
  for (const char* mode : {"good", "bad"}) {
    PickyDriver drv;
    StatsRegistry stats;
    BatchWriterOptions o;
    o.stats_group = std::string("picky_") + mode;
    Url url;
    url.scheme = "fake";
    url.options["mode"] = mode;
    BatchWriter w(&drv, url, o, &stats);
    ASSERT_TRUE(w.AddTable({"t", {"id", "pad"}, false, ""}).ok());
    Status st = w.Start();
    if (std::string(mode) == "good") {
      EXPECT_TRUE(st.ok()) << st.message();
    } else {
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(st.message(), "mode must not be bad");
      EXPECT_EQ(drv.connects.load(), 0);
    }
  }
}

TEST(BatchWriter, RejectsWrongColumnCount) {
  Fixture f;
  int t;
  auto w = f.Make(f.Opts(), &t);
  Row r;
  r.values = {Value::Int(1)};
  EXPECT_EQ(w->Enqueue(t, r).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->Enqueue(7, MakeRow(1)).code(), StatusCode::kInvalidArgument);
}

TEST(BatchWriter, BatchesByRowCount) {
  Fixture f;
  auto o = f.Opts();
  o.flush_interval_ms = 5000;
  int t;
  auto w = f.Make(o, &t);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(w->Enqueue(t, MakeRow(i)).ok());
  ASSERT_TRUE(w->WaitIdle(3s) || f.drv.StoredCount() == 1000);
  for (int i = 0; i < 200 && f.drv.StoredCount() < 1000; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(f.drv.StoredCount(), 1000u);
  EXPECT_EQ(f.drv.inserts.load(), 10);
}

TEST(BatchWriter, StrftimeTablePerRowTime) {
  Fixture f;
  int t;
  auto w = f.Make(f.Opts(), &t, "sip_capture_%Y%m%d");
  ASSERT_TRUE(w->Enqueue(t, MakeRow(1, 1700006399999999)).ok());  // 23:59:59.999999
  ASSERT_TRUE(w->Enqueue(t, MakeRow(2, 1700006400000000)).ok());  // next day
  ASSERT_TRUE(w->WaitIdle(3s));
  std::lock_guard<std::mutex> lk(f.drv.mu);
  ASSERT_EQ(f.drv.stored["sip_capture_20231114"].size(), 1u);
  ASSERT_EQ(f.drv.stored["sip_capture_20231115"].size(), 1u);
  EXPECT_EQ(f.drv.stored["sip_capture_20231115"][0].values[0].i, 2);
}

TEST(BatchWriter, DbDownAtStartThenUp) {
  Fixture f;
  f.drv.up = false;
  int t;
  auto w = f.Make(f.Opts(), &t);
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(w->Enqueue(t, MakeRow(i)).ok());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(w->counters().db_connected.Get(), 0);
  EXPECT_GT(w->counters().spooled.Get(), 0);
  EXPECT_GT(w->counters().retries.Get(), 0);
  f.drv.up = true;
  EXPECT_TRUE(w->WaitIdle(10s));
  EXPECT_EQ(f.Ids().size(), 3000u);
  EXPECT_EQ(f.drv.StoredCount(), 3000u);
  EXPECT_EQ(w->counters().db_connected.Get(), 1);
  // The replayed counter is bumped after the rows are stored: give it a moment.
  for (int i = 0; i < 200 && w->counters().replayed.Get() < w->counters().spooled.Get(); ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(w->counters().replayed.Get(), w->counters().spooled.Get());
}

TEST(BatchWriter, DbLostMidLoadLosesNothing) {
  Fixture f;
  int t;
  auto w = f.Make(f.Opts(), &t);
  for (int i = 0; i < 20000; ++i) {
    if (i == 5000) f.drv.up = false;
    if (i == 15000) f.drv.up = true;
    ASSERT_TRUE(w->Enqueue(t, MakeRow(i)).ok());
    if (i % 1000 == 0) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(w->WaitIdle(15s));
  EXPECT_EQ(f.Ids().size(), 20000u);
  EXPECT_EQ(f.drv.StoredCount(), 20000u);  // no duplicates either
}

TEST(BatchWriter, StalledDbStaysUnderMemoryBound) {
  Fixture f;
  auto o = f.Opts();
  o.max_queue_bytes = 256 * 1024;
  int t;
  auto w = f.Make(o, &t);
  f.drv.stalled = true;
  int64_t max_seen = 0;
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(w->Enqueue(t, MakeRow(i, kT0, 200)).ok()) << i;
    max_seen = std::max(max_seen, w->counters().queued_bytes.Get());
  }
  EXPECT_LE(max_seen, static_cast<int64_t>(o.max_queue_bytes));
  EXPECT_GT(w->counters().spooled.Get(), 0);
  f.drv.stalled = false;
  EXPECT_TRUE(w->WaitIdle(15s));
  EXPECT_EQ(f.Ids().size(), 20000u);
  EXPECT_EQ(w->counters().dropped_queue_full.Get(), 0);
}

TEST(BatchWriter, BadRowIsQuarantinedRestStored) {
  Fixture f;
  auto o = f.Opts();
  o.flush_interval_ms = 2000;
  int t;
  auto w = f.Make(o, &t);
  for (int i = 0; i < 100; ++i) {
    Row r = MakeRow(i);
    if (i == 37) r.values[0] = Value::String("BAD");
    ASSERT_TRUE(w->Enqueue(t, r).ok());
  }
  EXPECT_TRUE(w->WaitIdle(5s));
  EXPECT_EQ(f.drv.StoredCount(), 99u);
  EXPECT_EQ(w->counters().quarantined.Get(), 1);
  w->Stop();
  std::ifstream q(f.dir + "/bwtest.quarantine");
  std::string line, all;
  int lines = 0;
  while (std::getline(q, line)) {
    ++lines;
    all += line;
  }
  EXPECT_EQ(lines, 1);
  EXPECT_NE(all.find("\"id\":\"BAD\""), std::string::npos) << all;
  EXPECT_NE(all.find("fake: bad row"), std::string::npos);
}

TEST(BatchWriter, CreatesMissingTableFromTemplate) {
  Fixture f;
  f.drv.tables = {"sip_capture_tmpl"};
  BatchWriter w(&f.drv, Url{}, f.Opts(), &f.stats);
  TableSpec s{"sip_capture_%Y%m%d", {"id", "pad"}, false, "sip_capture_tmpl"};
  auto id = w.AddTable(s);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(w.Enqueue(id.value(), MakeRow(1)).ok());
  EXPECT_TRUE(w.WaitIdle(3s));
  EXPECT_EQ(f.drv.StoredCount(), 1u);
  EXPECT_EQ(w.counters().created_tables.Get(), 1);
  EXPECT_EQ(w.counters().quarantined.Get(), 0);
}

TEST(BatchWriter, ShutdownWithFullQueueThenRestartReplays) {
  Fixture f;
  f.drv.up = false;
  auto o = f.Opts();
  o.flush_interval_ms = 10000;
  o.batch_rows = 100000;
  o.shutdown_timeout_ms = 500;
  {
    int t;
    auto w = f.Make(o, &t);
    for (int i = 0; i < 5000; ++i) ASSERT_TRUE(w->Enqueue(t, MakeRow(i)).ok());
    EXPECT_EQ(w->counters().queued_rows.Get(), 5000);
    w->Stop();
    EXPECT_EQ(w->Enqueue(t, MakeRow(9)).code(), StatusCode::kUnavailable);
  }
  EXPECT_EQ(f.drv.StoredCount(), 0u);
  f.drv.up = true;
  int t;
  auto w = f.Make(f.Opts(), &t);
  EXPECT_TRUE(w->WaitIdle(10s));
  EXPECT_EQ(f.Ids().size(), 5000u);
  EXPECT_EQ(w->counters().replayed.Get(), 5000);
}

TEST(BatchWriter, TornSpoolAfterKill9ReplaysCleanly) {
  Fixture f;
  f.drv.up = false;
  auto o = f.Opts();
  o.batch_rows = 100;
  {
    int t;
    auto w = f.Make(o, &t);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(w->Enqueue(t, MakeRow(i)).ok());
    w->Stop();  // everything in the spool: 10 records of 100 rows
  }
  std::string path = f.dir + "/bwtest.spool.0000000000";  // one segment
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  ASSERT_EQ(truncate(path.c_str(), st.st_size - 100), 0);  // torn last record
  f.drv.up = true;
  int t;
  auto w = f.Make(f.Opts(), &t);
  EXPECT_GT(w->counters().spool_truncated_bytes.Get(), 0);
  EXPECT_TRUE(w->WaitIdle(10s));
  auto ids = f.Ids();
  EXPECT_EQ(ids.size(), 900u);  // the torn record (100 rows) is gone, the rest intact
  EXPECT_EQ(f.drv.StoredCount(), 900u);
  EXPECT_EQ(w->counters().quarantined.Get(), 0);
}

uint64_t SpoolDiskBytes(const std::string& dir) {
  uint64_t n = 0;
  std::error_code ec;  // a segment may be deleted while we list (replay)
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().filename().string().find(".spool.") == std::string::npos) continue;
    uint64_t sz = std::filesystem::file_size(e.path(), ec);
    if (!ec) n += sz;
  }
  return n;
}

// A long outage spools many segments; while the backlog replays, disk usage
// falls segment by segment (not only once everything is replayed).
TEST(BatchWriter, SpoolSpaceReclaimedDuringReplay) {
  Fixture f;
  f.drv.up = false;
  auto o = f.Opts();
  o.spool_segment_bytes = 64 * 1024;
  int t;
  auto w = f.Make(o, &t);
  const int n = 20000;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(w->Enqueue(t, MakeRow(i, kT0, 200)).ok());
  for (int i = 0; i < 1000 && w->counters().spooled.Get() < n; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(w->counters().spooled.Get(), n);
  uint64_t full = SpoolDiskBytes(f.dir);
  ASSERT_GT(full, 20 * o.spool_segment_bytes);  // a long backlog: many segments
  f.drv.insert_delay_ms = 2;
  f.drv.up = true;
  bool seen_partial = false;  // under half the space while rows still pending
  auto start = std::chrono::steady_clock::now();
  while (f.drv.StoredCount() < static_cast<size_t>(n) &&
         std::chrono::steady_clock::now() - start < 30s) {
    uint64_t now = SpoolDiskBytes(f.dir);
    size_t stored = f.drv.StoredCount();
    if (now < full / 2 && stored < static_cast<size_t>(n) * 3 / 4) seen_partial = true;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(seen_partial) << "spool space only came back at the end";
  EXPECT_TRUE(w->WaitIdle(10s));
  EXPECT_EQ(f.Ids().size(), static_cast<size_t>(n));
  EXPECT_EQ(SpoolDiskBytes(f.dir), 0u);
}

TEST(BatchWriter, NoSpoolDropsWithCounterWhenFull) {
  Fixture f;
  f.drv.up = false;
  auto o = f.Opts();
  o.spool_dir = "";
  o.max_queue_bytes = 64 * 1024;
  int t;
  auto w = f.Make(o, &t);
  int dropped = 0;
  for (int i = 0; i < 5000; ++i) {
    if (!w->Enqueue(t, MakeRow(i, kT0, 100)).ok()) ++dropped;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(w->counters().dropped_queue_full.Get(), dropped);
  EXPECT_LE(w->counters().queued_bytes.Get(), 64 * 1024);
  f.drv.up = true;
  EXPECT_TRUE(w->WaitIdle(10s));
  EXPECT_EQ(static_cast<int>(f.drv.StoredCount()), 5000 - dropped);
}

}  // namespace
}  // namespace sipcapd::db
