#include "modules/db_sqlite/sqlite_checkpointer.h"

#include "core/base/thread_name.h"

namespace sipcapd::db_sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path, int frames,
                                                          const std::string& synchronous) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) {
    std::string sql = "PRAGMA synchronous=" + synchronous;
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) {
    Status st = Status::Unavailable("sqlite checkpoint connection to " + path + ": " +
                                    (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return st;
  }
  std::unique_ptr<Checkpointer> c(new Checkpointer(db, frames < 1 ? 1 : frames));
  c->thread_ = std::thread([p = c.get()] {
    SetThreadName("sqlite-ckpt");
    p->Loop();
  });
  return c;
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(db_);
}

void Checkpointer::Loop() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || (want_ && !running_); });
    if (stop_) return;
    want_ = false;
    running_ = true;
    lk.unlock();
    // PASSIVE: copies what no reader still needs, never waits for the
    // writer; SQLITE_BUSY (another checkpoint running) is harmless.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lk.lock();
    running_ = false;
    ++background_runs_;
    idle_cv_.notify_all();
  }
}

void Checkpointer::OnCommit(sqlite3* writer, int wal_frames) {
  std::unique_lock<std::mutex> lk(mu_);
  if (wal_frames < mark_) mark_ = 0;  // the WAL restarted from its beginning
  const int limit = kCatchUpFactor * frames_;
  if (wal_frames >= limit) {
    // Catch up so that the next write transaction restarts the WAL. No new
    // background run; one still running is waited for only at 2 * limit
    // (otherwise the next commit catches up, after it finished).
    want_ = false;
    if (running_) {
      if (wal_frames < 2 * limit) return;
      idle_cv_.wait(lk, [&] { return !running_; });
    }
    running_ = true;
    lk.unlock();
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    lk.lock();
    running_ = false;
    ++catch_up_runs_;
    mark_ = rc == SQLITE_OK ? done : wal_frames;
    return;
  }
  // Every `frames_` frames; in the last stretch before the limit after every
  // commit, so that the catch-up has only the last commit's frames to copy.
  bool due = wal_frames - mark_ >= frames_ || (wal_frames >= limit - frames_ && wal_frames > mark_);
  if (due && !running_ && !want_) {
    want_ = true;
    mark_ = wal_frames;
    lk.unlock();
    cv_.notify_all();
  }
}

int Checkpointer::background_runs() const {
  std::lock_guard<std::mutex> lk(mu_);
  return background_runs_;
}

int Checkpointer::catch_up_runs() const {
  std::lock_guard<std::mutex> lk(mu_);
  return catch_up_runs_;
}

}  // namespace sipcapd::db_sqlite
