// A scriptable in-memory db::Driver for BatchWriter tests: it can be down,
// stalled, reject rows whose first value is the string "BAD", and knows a
// set of existing tables (others fail with kNotFound).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/db/driver.h"

namespace sipcapd::db::testing {

class FakeDriver : public Driver {
 public:
  std::atomic<bool> up{true};
  std::atomic<bool> stalled{false};
  std::atomic<int> insert_delay_ms{0};  // each Insert takes at least this long
  std::atomic<int> connects{0};
  std::atomic<int> inserts{0};
  std::mutex mu;
  std::set<std::string> tables;                    // empty: every table exists
  std::map<std::string, std::vector<Row>> stored;  // table -> rows

  size_t StoredCount() {
    std::lock_guard<std::mutex> lk(mu);
    size_t n = 0;
    for (auto& [t, v] : stored) n += v.size();
    return n;
  }

  std::string scheme() const override { return "fake"; }
  Capabilities capabilities() const override { return {}; }
  Result<std::unique_ptr<Connection>> Connect(const Url&, const ConnectOptions&) override;
};

class FakeConnection : public Connection {
 public:
  explicit FakeConnection(FakeDriver* d) : d_(d) {}
  Status Insert(const std::string& table, const std::vector<std::string>&,
                std::span<const Row> rows) override {
    for (int i = 0; i < 3000 && d_->stalled; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (d_->insert_delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(d_->insert_delay_ms.load()));
    }
    if (!d_->up) return Status::Unavailable("fake: server gone");
    ++d_->inserts;
    std::lock_guard<std::mutex> lk(d_->mu);
    if (!d_->tables.empty() && !d_->tables.count(table)) {
      return Status::NotFound("fake: no such table " + table);
    }
    for (const Row& r : rows) {
      if (r.values[0].type == Type::kString && r.values[0].s == "BAD") {
        return Status::Invalid("fake: bad row");
      }
    }
    auto& v = d_->stored[table];
    v.insert(v.end(), rows.begin(), rows.end());
    return Status::Ok();
  }
  Result<QueryResult> Query(const std::string&) override { return QueryResult{}; }
  Status CreateTableLike(const std::string& table, const std::string& templ) override {
    std::lock_guard<std::mutex> lk(d_->mu);
    if (!d_->tables.count(templ)) return Status::NotFound("no template");
    d_->tables.insert(table);
    return Status::Ok();
  }
  std::string QuoteString(std::string_view s) override { return "'" + std::string(s) + "'"; }
  Status Ping() override { return d_->up ? Status::Ok() : Status::Unavailable("down"); }

 private:
  FakeDriver* d_;
};

inline Result<std::unique_ptr<Connection>> FakeDriver::Connect(const Url&, const ConnectOptions&) {
  ++connects;
  if (!up) return Status::Unavailable("fake: connection refused");
  return std::unique_ptr<Connection>(new FakeConnection(this));
}

}  // namespace sipcapd::db::testing
