#include "modules/sipcapture/capture_store.h"

#include <filesystem>
#include <system_error>

#include "core/base/log.h"
#include "core/db/table_pattern.h"
#include "modules/sipcapture/capture_row.h"

namespace sipcapd::sipcapture {

Status CaptureStore::Declare(TableKind kind, const std::string& pattern) {
  if (writer_) return Status::Internal("tables are frozen after start");
  auto p = db::TablePattern::Parse(pattern);
  if (!p.ok()) return Status::Invalid("table '" + pattern + "': " + p.status().message());
  ids_.emplace(Key{kind, pattern}, -1);
  return Status::Ok();
}

Status CaptureStore::Start(const Config& cfg, db::Driver* driver, const db::Url& url,
                           const std::string& work_dir, StatsRegistry* stats) {
  const std::vector<std::string> sip_cols = SipColumns(cfg.col);
  const std::vector<std::string> rep_cols = ReportColumns(cfg.report_layout);
  // Template tables: the plain default names of each kind.
  std::string sip_templ = "sip_capture", rep_templ = "rtcp_capture";
  if (!db::TablePattern::Parse(cfg.table_name)->has_time()) sip_templ = cfg.table_name;
  if (!db::TablePattern::Parse(cfg.rtcp_table_name)->has_time()) rep_templ = cfg.rtcp_table_name;
  if (cfg.create_tables) {
    auto conn = driver->Connect(url, {});
    if (!conn.ok()) {
      LOG_WARN("sipcapture", "cannot create tables now (%s); rows are queued/spooled",
               conn.status().message().c_str());
    } else {
      std::vector<std::pair<std::string, TableKind>> tables = {{sip_templ, TableKind::kSip},
                                                               {rep_templ, TableKind::kReport}};
      for (const auto& [k, id] : ids_) {
        (void)id;
        auto p = db::TablePattern::Parse(k.pattern);
        if (p.ok() && !p->has_time()) tables.push_back({k.pattern, k.kind});
      }
      for (const auto& [t, kind] : tables) {
        for (const auto& sql : CreateTableSql(driver->scheme(), t, kind,
                                              kind == TableKind::kSip ? sip_cols : rep_cols)) {
          auto r = (*conn)->Query(sql);
          if (!r.ok())
            return Status::Unavailable("creating table " + t + ": " + r.status().message());
        }
      }
    }
  }
  db::BatchWriterOptions o;
  o.stats_group = "sipcapture_db";
  o.batch_rows = static_cast<size_t>(cfg.batch_rows > 0 ? cfg.batch_rows : 500);
  o.flush_interval_ms = cfg.flush_interval_ms > 0 ? cfg.flush_interval_ms : 100;
  int maxq = cfg.max_async_queries > 0 ? cfg.max_async_queries : 1;
  int cap = driver->capabilities().max_connections;
  o.max_async_queries = cap > 0 && maxq > cap ? cap : maxq;
  o.spool_dir = cfg.spool_dir.empty() ? work_dir + "/spool" : cfg.spool_dir;
  std::error_code ec;
  std::filesystem::create_directories(o.spool_dir, ec);
  if (ec) return Status::Unavailable("spool dir " + o.spool_dir + ": " + ec.message());
  driver_ = driver;
  url_ = url;
  opts_ = o;
  cols_[static_cast<int>(TableKind::kSip)] = sip_cols;
  cols_[static_cast<int>(TableKind::kReport)] = rep_cols;
  templ_[static_cast<int>(TableKind::kSip)] = sip_templ;
  templ_[static_cast<int>(TableKind::kReport)] = rep_templ;
  writer_ = std::make_unique<db::BatchWriter>(driver, url, o, stats);
  for (auto& [k, id] : ids_) {
    db::TableSpec spec;
    spec.name_pattern = k.pattern;
    spec.columns = k.kind == TableKind::kSip ? sip_cols : rep_cols;
    const std::string& templ = k.kind == TableKind::kSip ? sip_templ : rep_templ;
    if (k.pattern != templ) spec.create_like = templ;
    auto r = writer_->AddTable(spec);
    if (!r.ok()) {
      writer_.reset();
      return r.status();
    }
    id = *r;
  }
  Status st = writer_->Start();
  if (!st.ok()) writer_.reset();
  return st;
}

void CaptureStore::Stop() {
  if (writer_) writer_->Stop();
  std::lock_guard<std::mutex> lk(dyn_mu_);
  for (auto& [k, w] : dyn_) w->Stop();
}

Status CaptureStore::Enqueue(TableKind kind, const std::string& pattern, db::Row row) {
  if (!writer_) return Status::Unavailable("store not started");
  auto it = ids_.find(Key{kind, pattern});
  if (it == ids_.end()) return EnqueueDynamic(kind, pattern, std::move(row));
  return writer_->Enqueue(it->second, std::move(row));
}

Status CaptureStore::EnqueueDynamic(TableKind kind, const std::string& table, db::Row row) {
  std::lock_guard<std::mutex> lk(dyn_mu_);
  auto it = dyn_.find(Key{kind, table});
  if (it == dyn_.end()) {
    auto p = db::TablePattern::Parse(table);
    if (table.empty() || !p.ok())
      return Status::Invalid("table '" + table +
                             "': " + (p.ok() ? std::string("empty name") : p.status().message()));
    if (dyn_.size() >= kMaxDynamicTables)
      return Status::Invalid("table '" + table + "': more than " +
                             std::to_string(kMaxDynamicTables) + " tables named at run time");
    db::BatchWriterOptions o = opts_;
    o.max_async_queries = 1;
    o.stats_group = opts_.stats_group + "_" + table;  // also its spool file name
    auto w = std::make_unique<db::BatchWriter>(driver_, url_, o, nullptr);
    db::TableSpec spec;
    spec.name_pattern = table;
    spec.columns = cols_[static_cast<int>(kind)];
    const std::string& templ = templ_[static_cast<int>(kind)];
    if (table != templ) spec.create_like = templ;
    auto r = w->AddTable(spec);
    if (!r.ok()) return r.status();
    SIPCAPD_RETURN_IF_ERROR(w->Start());
    LOG_INFO("sipcapture", "table '%s' first used at run time: own writer, created LIKE %s",
             table.c_str(), templ.c_str());
    it = dyn_.emplace(Key{kind, table}, std::move(w)).first;
  }
  return it->second->Enqueue(0, std::move(row));
}

}  // namespace sipcapd::sipcapture
