// CaptureStore: sipcapture's tables on one BatchWriter. Table patterns are
// registered while the cfg is compiled (function fixups) and at init; Start()
// creates the template tables (create_tables) and starts the writer.
// A table first named at run time (report_capture("$var(table)", ...), as in
// the tutorial's §5.4 script) gets its own small BatchWriter, created on
// first use LIKE the template of its kind; at most kMaxDynamicTables.
// Thread-safety: Declare/Start/Stop on the main thread; Enqueue from any
// thread after Start().
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/stats.h"
#include "core/db/batch_writer.h"
#include "core/db/driver.h"
#include "modules/sipcapture/capture_config.h"
#include "modules/sipcapture/capture_schema.h"

namespace sipcapd::sipcapture {

class CaptureStore {
 public:
  // Remembers a table pattern (validated now so a bad one is a cfg error).
  Status Declare(TableKind kind, const std::string& pattern);
  // Connects the BatchWriter for `url` with `driver`, creates the template
  // tables when cfg.create_tables, registers every declared pattern.
  Status Start(const Config& cfg, db::Driver* driver, const db::Url& url,
               const std::string& work_dir, StatsRegistry* stats);
  void Stop();
  bool started() const { return writer_ != nullptr; }
  // kUnavailable when dropped (queue and spool full) or not started;
  // kInvalidArgument for an unusable run-time table name or too many.
  Status Enqueue(TableKind kind, const std::string& pattern, db::Row row);
  static constexpr size_t kMaxDynamicTables = 64;
  db::BatchWriter* writer() { return writer_.get(); }

 private:
  struct Key {
    TableKind kind;
    std::string pattern;
    bool operator<(const Key& o) const {
      return kind != o.kind ? kind < o.kind : pattern < o.pattern;
    }
  };
  Status EnqueueDynamic(TableKind kind, const std::string& table, db::Row row);

  std::map<Key, int> ids_;  // frozen after Start()
  std::unique_ptr<db::BatchWriter> writer_;
  // What Start() was given, for the run-time tables.
  db::Driver* driver_ = nullptr;
  db::Url url_;
  db::BatchWriterOptions opts_;
  std::vector<std::string> cols_[2];  // by TableKind
  std::string templ_[2];              // template table by TableKind
  std::mutex dyn_mu_;                 // guards dyn_
  std::map<Key, std::unique_ptr<db::BatchWriter>> dyn_;
};

}  // namespace sipcapd::sipcapture
