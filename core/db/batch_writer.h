// BatchWriter: the shared asynchronous row writer used by every module that
// stores rows (sipcapture, siptrace ...).
//
// - Users register table specs (strftime name pattern + column list) and
//   Enqueue rows. Enqueue never waits on the DB: it takes a short mutex,
//   appends to the pending batch of the row's expanded table, and returns.
// - Memory is bounded in bytes (max_queue_bytes). Above the high watermark
//   a spill thread moves the oldest batches to the on-disk spool; above the
//   bound, Enqueue itself spools the row's batch; only when the spool is full
//   (or disabled) is a row dropped, with a counter.
// - Batches are flushed by row count, bytes or age (flush_interval_ms).
//   max_async_queries writer threads, each owning its own connection, run at
//   most that many batches in flight. A stored batch is freed by the spill
//   thread (off the writers' path); until then it counts against the bound.
// - Connection errors: the batch goes to the spool, the writer reconnects
//   with exponential backoff + jitter. The writer starts with the DB down.
//   Data errors: the batch is split in halves until single bad rows are
//   isolated; those go to the quarantine file (JSON lines) with a counter.
//   Missing table: optional CREATE TABLE <t> LIKE <template>, then retry.
// - Spooled batches are replayed in order when the DB is reachable.
// - Stop(): flushes the queue (bounded by shutdown_timeout_ms) and spools
//   whatever could not be written; a restart replays it.
//
// Thread-safety: Enqueue/Stats from any thread; Start/Stop from one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base/stats.h"
#include "core/base/status.h"
#include "core/db/driver.h"
#include "core/db/spool.h"
#include "core/db/table_pattern.h"
#include "core/db/url.h"
#include "core/db/value.h"

namespace sipcapd::db {

struct BatchWriterOptions {
  std::string stats_group = "db";      // StatsRegistry group
  size_t batch_rows = 1000;            // flush when a batch has this many rows
  size_t batch_bytes = 4u << 20;       // ... or this many bytes
  int flush_interval_ms = 100;         // ... or is this old
  size_t max_queue_bytes = 64u << 20;  // memory bound of queued rows
  int max_async_queries = 2;           // writer threads / batches in flight
  ConnectOptions connect;
  int reconnect_min_ms = 100;   // backoff start
  int reconnect_max_ms = 5000;  // backoff cap
  std::string spool_dir;        // empty: no spool (drops instead)
  uint64_t spool_max_bytes = 1ull << 30;
  uint64_t spool_segment_bytes = 0;  // 0: automatic (see SpoolOptions)
  FsyncPolicy spool_fsync = FsyncPolicy::kPeriodic;
  int spool_fsync_interval_ms = 1000;
  std::string quarantine_file;  // empty: <spool_dir>/<group>.quarantine
  int shutdown_timeout_ms = 10000;
};

struct TableSpec {
  std::string name_pattern;  // "sip_capture_%Y%m%d"
  std::vector<std::string> columns;
  bool local_time = false;  // strftime in local time (default UTC)
  std::string create_like;  // template table for missing tables
};

class BatchWriter {
 public:
  BatchWriter(Driver* driver, Url url, BatchWriterOptions opts, StatsRegistry* stats);
  ~BatchWriter();  // calls Stop()
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Before Start(): validates the pattern and columns; returns a spec id.
  Result<int> AddTable(const TableSpec& spec);
  // Opens the spool (truncating a torn tail), registers stats, starts the
  // threads. Does not need the DB to be up.
  Status Start();
  // Flush, spool the rest, join threads. Idempotent.
  void Stop();

  // Queues a row for spec `table_id`. kInvalidArgument: wrong column count;
  // kUnavailable: dropped (queue and spool full, or stopped).
  Status Enqueue(int table_id, Row row);

  // Blocks (bounded) until nothing is queued, in flight or spooled.
  // For tests and orderly flushes; true if drained.
  bool WaitIdle(std::chrono::milliseconds timeout);

  struct Counters {
    Stat queued_rows, queued_bytes, stored, batches, retries, spooled, replayed, quarantined,
        dropped_queue_full, dropped_spool_full, dropped_stopped, db_connected, last_insert_time,
        insert_latency_us, spool_bytes, spool_truncated_bytes, created_tables;
  };
  const Counters& counters() const { return c_; }

 private:
  struct Batch {
    int spec = -1;
    std::string table;
    std::vector<Row> rows;
    size_t bytes = 0;
    std::chrono::steady_clock::time_point first;
  };
  struct Spec {
    TableSpec spec;
    TablePattern pattern;
    int64_t cached_sec = INT64_MIN;
    std::string cached_name;
  };

  void WriterLoop(int idx);
  void SpillLoop();
  void SealLocked(std::map<std::string, std::unique_ptr<Batch>>::iterator it);
  void SealAgedLocked(bool all);
  bool SpoolRows(const std::string& table, const std::vector<std::string>& cols,
                 std::span<const Row> rows);
  // Writes a batch with split-on-data-error; returns Unavailable on
  // connection loss (the caller spools what was not stored).
  // Rows are handled left to right, so what was stored or quarantined is
  // always a prefix: *done = its length (all rows when OK).
  Status WriteRange(Connection* conn, const std::string& table,
                    const std::vector<std::string>& cols, const std::string& create_like,
                    std::span<const Row> rows, size_t* done);
  Status InsertWithCreate(Connection* conn, const std::string& table,
                          const std::vector<std::string>& cols, const std::string& create_like,
                          std::span<const Row> rows);
  void Quarantine(const std::string& table, const std::vector<std::string>& cols, const Row& row,
                  const Status& why);
  // Replays one spool record; false on connection loss.
  bool ReplayOne(Connection* conn);
  std::string CreateLikeFor(const std::string& table, int64_t time_us) const;
  const std::vector<std::string>& ColumnsFor(int spec) const { return specs_[spec]->spec.columns; }
  // Accounts a batch as done; `retire` (if any) is handed to the spill
  // thread to be freed off the writer's path.
  void DoneBatch(size_t rows, size_t bytes, std::unique_ptr<Batch> retire = nullptr);
  void FreeRetired();

  Driver* driver_;
  Url url_;
  BatchWriterOptions opts_;
  StatsRegistry* stats_;
  Counters c_;
  Spool spool_;
  bool spool_on_ = false;
  std::mutex qmu_;  // guards quarantine file writes
  int quarantine_fd_ = -1;

  std::vector<std::unique_ptr<Spec>> specs_;
  std::mutex mu_;
  std::condition_variable cv_;                             // writers: work available
  std::condition_variable idle_cv_;                        // WaitIdle
  std::condition_variable spill_cv_;                       // spill thread: over the watermark
  std::mutex replay_mu_;                                   // one replayer at a time (ordering)
  std::map<std::string, std::unique_ptr<Batch>> pending_;  // key: table
  std::deque<std::unique_ptr<Batch>> ready_;
  std::vector<std::unique_ptr<Batch>> retired_;  // stored; freed by the spill thread
  size_t retired_bytes_ = 0;
  size_t queued_bytes_ = 0;
  size_t queued_rows_ = 0;
  int in_flight_ = 0;
  std::atomic<int> connected_writers_{0};
  bool started_ = false;
  bool stopping_ = false;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> accepting_{false};
  std::atomic<bool> abandon_{false};
  std::atomic<bool> writers_joined_{false};  // shutdown deadline passed: spool only
  std::vector<std::thread> writers_;
  std::thread spill_;
};

}  // namespace sipcapd::db
