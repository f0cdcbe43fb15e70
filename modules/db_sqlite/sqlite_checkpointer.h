// Background WAL checkpointer for one writing SQLite connection.
//
// Why: with SQLite's automatic checkpoint the writer thread itself copies
// the WAL into the database file and waits for the two fsyncs (WAL, then
// database) every wal_autocheckpoint pages; on the HOMER insert bench that
// was ~30 % of the writer's wall time (100000 rows: ~50 checkpoints,
// ~0.5 s of fdatasync). Here the writer connection's autocheckpoint is off
// and its WAL hook calls OnCommit() after each commit:
//   - once the WAL has grown by `frames` since the last checkpoint, a
//     thread with its own connection runs a PASSIVE checkpoint (copy +
//     fsyncs off the writer's path; it never blocks the writer);
//   - SQLite restarts the WAL from its beginning only if it is completely
//     checkpointed when a write transaction starts, which a background
//     checkpoint (always one commit behind a busy writer) never achieves.
//     So in the last `frames` before kCatchUpFactor * `frames` (the limit)
//     the background thread runs after every commit, and at the limit the
//     writer checkpoints the rest itself (the frames of the last commit or
//     two); its next transaction then restarts the WAL. If a background run
//     is still going at the limit, the writer does not wait for it (the
//     next commit catches up) unless the WAL reached twice the limit. The
//     WAL file stays bounded (at most 2 * limit pages plus a transaction;
//     usually the limit plus a transaction).
// Durability is the writer's: the checkpoint connection uses the same
// `synchronous` level, so the same fsyncs happen, in another thread.
// Thread-safety: OnCommit from the writer's thread only; the destructor
// (stop + join) from the owner, before the writer connection is closed.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/base/status.h"

namespace sipcapd::db_sqlite {

class Checkpointer {
 public:
  static constexpr int kCatchUpFactor = 4;

  // Opens `path` a second time for checkpoints and starts the thread.
  // `synchronous` is OFF, NORMAL or FULL (as the writer's).
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path, int frames,
                                                     const std::string& synchronous);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // From the writer's WAL hook: `wal_frames` frames are in the WAL now.
  void OnCommit(sqlite3* writer, int wal_frames);

  // Counters for tests: background and writer (catch-up) checkpoints run.
  int background_runs() const;
  int catch_up_runs() const;

 private:
  Checkpointer(sqlite3* db, int frames) : db_(db), frames_(frames) {}
  void Loop();

  sqlite3* db_;
  const int frames_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // checkpoint thread: work or stop
  std::condition_variable idle_cv_;  // writer: background run finished
  bool want_ = false;
  bool running_ = false;
  bool stop_ = false;
  int mark_ = 0;  // WAL frames known checkpointed (or handed to a run)
  int background_runs_ = 0;
  int catch_up_runs_ = 0;
  std::thread thread_;
};

}  // namespace sipcapd::db_sqlite
