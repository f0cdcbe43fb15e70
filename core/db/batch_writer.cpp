// BatchWriter: queueing, threads and lifecycle. The DB/spool/quarantine
// side lives in batch_writer_io.cpp.
#include "core/db/batch_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "core/base/log.h"
#include "core/base/thread_name.h"

namespace sipcapd::db {
namespace {
constexpr const char* kLog = "db";
using Clock = std::chrono::steady_clock;
}  // namespace

BatchWriter::BatchWriter(Driver* driver, Url url, BatchWriterOptions opts, StatsRegistry* stats)
    : driver_(driver), url_(std::move(url)), opts_(std::move(opts)), stats_(stats) {
  if (opts_.max_async_queries < 1) opts_.max_async_queries = 1;
  if (opts_.batch_rows < 1) opts_.batch_rows = 1;
  if (opts_.flush_interval_ms < 1) opts_.flush_interval_ms = 1;
}

BatchWriter::~BatchWriter() { Stop(); }

Result<int> BatchWriter::AddTable(const TableSpec& spec) {
  if (started_) return Status::Invalid("BatchWriter: AddTable after Start");
  auto p = TablePattern::Parse(spec.name_pattern, spec.local_time);
  if (!p.ok()) return p.status();
  if (spec.columns.empty()) return Status::Invalid("table '" + spec.name_pattern + "': no columns");
  for (const auto& c : spec.columns) {
    if (!IsSafeIdentifier(c)) return Status::Invalid("bad column name '" + c + "'");
  }
  if (!spec.create_like.empty() && !IsSafeIdentifier(spec.create_like)) {
    return Status::Invalid("bad template table name '" + spec.create_like + "'");
  }
  auto s = std::make_unique<Spec>();
  s->spec = spec;
  s->pattern = std::move(p.value());
  specs_.push_back(std::move(s));
  return static_cast<int>(specs_.size() - 1);
}

Status BatchWriter::Start() {
  if (started_) return Status::Ok();
  if (!driver_) return Status::Invalid("BatchWriter: no driver for " + url_.scheme);
  SIPCAPD_RETURN_IF_ERROR(driver_->ValidateUrl(url_));
  if (!opts_.spool_dir.empty()) {
    SpoolOptions so;
    so.max_bytes = opts_.spool_max_bytes;
    so.fsync = opts_.spool_fsync;
    so.segment_bytes = opts_.spool_segment_bytes;
    SIPCAPD_RETURN_IF_ERROR(spool_.Open(opts_.spool_dir, opts_.stats_group, so));
    spool_on_ = true;
    c_.spool_truncated_bytes.Set(static_cast<int64_t>(spool_.truncated_bytes()));
    c_.spool_bytes.Set(static_cast<int64_t>(spool_.file_bytes()));
    if (spool_.truncated_bytes()) {
      LOG_WARN(kLog, "%s: spool had a torn tail, %llu bytes cut", opts_.stats_group.c_str(),
               static_cast<unsigned long long>(spool_.truncated_bytes()));
    }
  }
  std::string qf = opts_.quarantine_file;
  if (qf.empty() && !opts_.spool_dir.empty()) {
    qf = opts_.spool_dir + "/" + opts_.stats_group + ".quarantine";
  }
  if (!qf.empty()) {
    quarantine_fd_ = open(qf.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (quarantine_fd_ < 0) return Status::Unavailable("cannot open quarantine file " + qf);
  }
  if (stats_) {
    const std::string& g = opts_.stats_group;
    struct {
      const char* n;
      Stat* s;
      uint32_t f;
    } regs[] = {
        {"queued_rows", &c_.queued_rows, kStatNoReset},
        {"queued_bytes", &c_.queued_bytes, kStatNoReset},
        {"stored_rows", &c_.stored, kStatCounter},
        {"batches", &c_.batches, kStatCounter},
        {"retries", &c_.retries, kStatCounter},
        {"spooled_rows", &c_.spooled, kStatCounter},
        {"replayed_rows", &c_.replayed, kStatCounter},
        {"quarantined_rows", &c_.quarantined, kStatCounter},
        {"dropped_queue_full", &c_.dropped_queue_full, kStatCounter},
        {"dropped_spool_full", &c_.dropped_spool_full, kStatCounter},
        {"dropped_stopped", &c_.dropped_stopped, kStatCounter},
        {"db_connected", &c_.db_connected, kStatNoReset},
        {"last_insert_time", &c_.last_insert_time, kStatNoReset},
        {"insert_latency_us", &c_.insert_latency_us, kStatNoReset},
        {"spool_bytes", &c_.spool_bytes, kStatNoReset},
        {"spool_truncated_bytes", &c_.spool_truncated_bytes, kStatCounter},
        {"created_tables", &c_.created_tables, kStatCounter},
    };
    for (auto& r : regs) SIPCAPD_RETURN_IF_ERROR(stats_->Register(g, r.n, r.s, r.f));
  }
  int n = opts_.max_async_queries;
  int cap = driver_->capabilities().max_connections;
  if (cap > 0 && n > cap) n = cap;
  started_ = true;
  accepting_ = true;
  for (int i = 0; i < n; ++i)
    writers_.emplace_back([this, i] {
      SetThreadName(ThreadName(opts_.stats_group, i + 1));
      WriterLoop(i);
    });
  spill_ = std::thread([this] {
    SetThreadName(ThreadName(opts_.stats_group, "-spill"));
    SpillLoop();
  });
  return Status::Ok();
}

void BatchWriter::Stop() {
  if (!started_ || stopped_.exchange(true)) return;
  accepting_ = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
    SealAgedLocked(true);
  }
  cv_.notify_all();
  spill_cv_.notify_all();
  // Bound the flush: past the deadline writers only spool.
  std::thread watchdog([this] {
    std::unique_lock<std::mutex> lk(mu_);
    bool done = idle_cv_.wait_for(lk, std::chrono::milliseconds(opts_.shutdown_timeout_ms),
                                  [&] { return ready_.empty() && in_flight_ == 0; });
    if (!done) {
      abandon_ = true;
      LOG_WARN(kLog, "%s: shutdown flush timed out, spooling the rest", opts_.stats_group.c_str());
    }
  });
  for (auto& t : writers_) t.join();
  writers_.clear();
  writers_joined_ = true;
  {
    std::lock_guard<std::mutex> lk(mu_);
    in_flight_ = 0;
  }
  idle_cv_.notify_all();
  watchdog.join();
  spill_cv_.notify_all();
  if (spill_.joinable()) spill_.join();
  FreeRetired();
  if (spool_on_) spool_.Close();
  if (quarantine_fd_ >= 0) close(quarantine_fd_);
  quarantine_fd_ = -1;
  if (stats_) stats_->UnregisterGroup(opts_.stats_group);
}

Status BatchWriter::Enqueue(int table_id, Row row) {
  if (table_id < 0 || table_id >= static_cast<int>(specs_.size())) {
    return Status::Invalid("BatchWriter: unknown table id");
  }
  Spec& sp = *specs_[table_id];
  if (row.values.size() != sp.spec.columns.size()) {
    return Status::Invalid("BatchWriter: row has " + std::to_string(row.values.size()) +
                           " values, table has " + std::to_string(sp.spec.columns.size()));
  }
  if (!accepting_) {
    c_.dropped_stopped.Inc();
    return Status::Unavailable("BatchWriter stopped");
  }
  size_t bytes = row.Bytes();
  std::unique_lock<std::mutex> lk(mu_);
  std::string table;
  if (!sp.pattern.has_time()) {
    table = sp.spec.name_pattern;
  } else {
    int64_t sec = row.time_us / 1000000;
    if (sec != sp.cached_sec) {
      sp.cached_name = sp.pattern.Expand(row.time_us);
      sp.cached_sec = sec;
    }
    table = sp.cached_name;
  }
  std::string key = std::to_string(table_id) + '\x01' + table;
  auto it = pending_.find(key);
  // Retired (stored, not yet freed) batches count against the bound too.
  if (queued_bytes_ + retired_bytes_ + bytes > opts_.max_queue_bytes) {
    // Over the memory bound: this row, with its table's pending batch, goes
    // straight to the spool (outside the lock).
    std::unique_ptr<Batch> b;
    if (it != pending_.end()) {
      b = std::move(it->second);
      pending_.erase(it);
      queued_bytes_ -= b->bytes;
      queued_rows_ -= b->rows.size();
    }
    lk.unlock();
    std::vector<Row> rows;
    if (b) rows = std::move(b->rows);
    rows.push_back(std::move(row));
    if (SpoolRows(table, sp.spec.columns, rows)) return Status::Ok();
    if (rows.size() > 1) {  // put the old pending rows back: only this row is dropped
      rows.pop_back();
      std::lock_guard<std::mutex> relock(mu_);
      auto& nb = pending_[key];
      if (!nb) {
        nb = std::make_unique<Batch>();
        nb->spec = table_id;
        nb->table = table;
        nb->first = Clock::now();
      }
      for (auto& r : rows) {
        queued_bytes_ += r.Bytes();
        nb->bytes += r.Bytes();
        ++queued_rows_;
        nb->rows.push_back(std::move(r));
      }
    }
    c_.dropped_queue_full.Inc();
    return Status::Unavailable("BatchWriter: queue and spool full");
  }
  if (it == pending_.end()) {
    auto b = std::make_unique<Batch>();
    b->spec = table_id;
    b->table = table;
    b->first = Clock::now();
    b->rows.reserve(std::min<size_t>(opts_.batch_rows, 1024));
    it = pending_.emplace(std::move(key), std::move(b)).first;
  }
  Batch& b = *it->second;
  b.rows.push_back(std::move(row));
  b.bytes += bytes;
  queued_bytes_ += bytes;
  ++queued_rows_;
  c_.queued_bytes.Set(static_cast<int64_t>(queued_bytes_));
  c_.queued_rows.Set(static_cast<int64_t>(queued_rows_));
  bool sealed = false;
  if (b.rows.size() >= opts_.batch_rows || b.bytes >= opts_.batch_bytes) {
    SealLocked(it);
    sealed = true;
  }
  bool spill = queued_bytes_ > opts_.max_queue_bytes / 2;
  lk.unlock();
  if (sealed) cv_.notify_one();
  if (spill) spill_cv_.notify_one();
  return Status::Ok();
}

void BatchWriter::SealLocked(std::map<std::string, std::unique_ptr<Batch>>::iterator it) {
  ready_.push_back(std::move(it->second));
  pending_.erase(it);
}

void BatchWriter::SealAgedLocked(bool all) {
  auto limit = Clock::now() - std::chrono::milliseconds(opts_.flush_interval_ms);
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto next = std::next(it);
    if (all || it->second->first <= limit) SealLocked(it);
    it = next;
  }
}

void BatchWriter::DoneBatch(size_t rows, size_t bytes, std::unique_ptr<Batch> retire) {
  bool wake_spill = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    queued_bytes_ -= bytes;
    queued_rows_ -= rows;
    --in_flight_;
    c_.queued_bytes.Set(static_cast<int64_t>(queued_bytes_));
    c_.queued_rows.Set(static_cast<int64_t>(queued_rows_));
    if (retire) {
      retired_bytes_ += retire->bytes;
      retired_.push_back(std::move(retire));
      wake_spill = true;
    }
  }
  idle_cv_.notify_all();
  if (wake_spill) spill_cv_.notify_one();
}

void BatchWriter::FreeRetired() {
  std::vector<std::unique_ptr<Batch>> dead;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (retired_.empty()) return;
    dead.swap(retired_);
  }
  size_t bytes = 0;
  for (const auto& b : dead) bytes += b->bytes;
  dead.clear();  // the frees, outside the lock
  std::lock_guard<std::mutex> lk(mu_);
  retired_bytes_ -= bytes;
}

void BatchWriter::WriterLoop(int idx) {
  std::unique_ptr<Connection> conn;
  std::mt19937 rng(static_cast<uint32_t>(idx * 7919 + Clock::now().time_since_epoch().count()));
  int backoff = opts_.reconnect_min_ms;
  auto next_attempt = Clock::now();
  auto drop_conn = [&] {
    if (!conn) return;
    conn.reset();
    if (--connected_writers_ == 0) c_.db_connected.Set(0);
  };
  const auto tick = std::chrono::milliseconds(std::min(opts_.flush_interval_ms, 50));
  for (;;) {
    if (!conn && !stopping_ && Clock::now() >= next_attempt) {
      auto r = driver_->Connect(url_, opts_.connect);
      if (r.ok()) {
        conn = std::move(r.value());
        ++connected_writers_;
        c_.db_connected.Set(1);
        backoff = opts_.reconnect_min_ms;
        LOG_INFO(kLog, "%s: writer %d connected to %s", opts_.stats_group.c_str(), idx,
                 url_.Redacted().c_str());
      } else {
        c_.retries.Inc();
        std::uniform_real_distribution<double> jitter(0.5, 1.5);
        next_attempt =
            Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(backoff * jitter(rng)));
        backoff = std::min(backoff * 2, opts_.reconnect_max_ms);
        LOG_DBG(kLog, "%s: connect failed: %s", opts_.stats_group.c_str(),
                r.status().message().c_str());
      }
    }
    std::unique_ptr<Batch> b;
    bool exit_now = false;
    {
      std::unique_lock<std::mutex> lk(mu_);
      bool replay_due = conn && spool_on_ && !spool_.empty();
      if (ready_.empty() && !stopping_ && !replay_due) {
        cv_.wait_for(lk, tick);
      }
      SealAgedLocked(stopping_);
      if (!ready_.empty()) {
        b = std::move(ready_.front());
        ready_.pop_front();
        ++in_flight_;
      } else if (stopping_) {
        exit_now = true;
      }
    }
    if (exit_now) break;
    if (b) {
      const auto& cols = ColumnsFor(b->spec);
      size_t done = 0;
      Status st = Status::Unavailable("not connected");
      if (conn && !abandon_) {
        st = WriteRange(conn.get(), b->table, cols, specs_[b->spec]->spec.create_like,
                        std::span<const Row>(b->rows), &done);
        if (st.ok()) c_.batches.Inc();
      }
      if (!st.ok()) {
        if (conn) {
          LOG_WARN(kLog, "%s: DB error, batch of %zu rows to spool: %s", opts_.stats_group.c_str(),
                   b->rows.size() - done, st.message().c_str());
          drop_conn();
          next_attempt = Clock::now() + std::chrono::milliseconds(opts_.reconnect_min_ms);
        }
        std::span<const Row> rest(b->rows.data() + done, b->rows.size() - done);
        if (!SpoolRows(b->table, cols, rest)) {
          if (!spool_on_ && !stopping_ && !abandon_) {
            // No spool: keep it in memory (the byte bound still applies).
            std::lock_guard<std::mutex> lk(mu_);
            b->rows.erase(b->rows.begin(), b->rows.begin() + static_cast<long>(done));
            --in_flight_;
            ready_.push_front(std::move(b));
            continue;
          }
          c_.dropped_spool_full.Inc(static_cast<int64_t>(rest.size()));
        }
      }
      // The rows are freed by the spill thread: ~11 frees a HOMER row were
      // ~8 % of this (the only SQLite) writer's time.
      size_t nrows = b->rows.size(), nbytes = b->bytes;
      DoneBatch(nrows, nbytes, std::move(b));
      continue;
    }
    if (conn && spool_on_ && !stopping_ && !spool_.empty() && replay_mu_.try_lock()) {
      bool ok = ReplayOne(conn.get());
      replay_mu_.unlock();
      if (!ok) {
        drop_conn();
        next_attempt = Clock::now() + std::chrono::milliseconds(opts_.reconnect_min_ms);
      }
      idle_cv_.notify_all();
    }
  }
  drop_conn();
}

void BatchWriter::SpillLoop() {
  auto last_sync = Clock::now();
  for (;;) {
    FreeRetired();
    std::unique_ptr<Batch> b;
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (retired_.empty()) spill_cv_.wait_for(lk, std::chrono::milliseconds(100));
      if (writers_joined_) break;
      if (stopping_) continue;
      // Over the watermark (DB slower than the input): oldest batch to disk.
      if (spool_on_ && queued_bytes_ > opts_.max_queue_bytes / 2) {
        if (ready_.empty()) SealAgedLocked(true);
        if (!ready_.empty()) {
          b = std::move(ready_.front());
          ready_.pop_front();
          ++in_flight_;
        }
      }
    }
    if (b) {
      if (!SpoolRows(b->table, ColumnsFor(b->spec), b->rows)) {
        c_.dropped_spool_full.Inc(static_cast<int64_t>(b->rows.size()));
      }
      DoneBatch(b->rows.size(), b->bytes);
      spill_cv_.notify_one();
    }
    if (spool_on_ && opts_.spool_fsync == FsyncPolicy::kPeriodic &&
        Clock::now() - last_sync >= std::chrono::milliseconds(opts_.spool_fsync_interval_ms)) {
      spool_.Sync();
      last_sync = Clock::now();
    }
  }
}

bool BatchWriter::WaitIdle(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (queued_rows_ == 0 && in_flight_ == 0 && ready_.empty() && pending_.empty() &&
          (!spool_on_ || spool_.empty())) {
        return true;
      }
      idle_cv_.wait_for(lk, std::chrono::milliseconds(20));
    }
  }
  return false;
}

}  // namespace sipcapd::db
