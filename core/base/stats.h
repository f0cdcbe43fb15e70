// Statistics: named counters and gauges registered by the core and by
// modules, read by MI get_statistics (OpenSIPS naming "group:name").
// Stat values are lock-free atomics; the registry itself is guarded by a
// mutex and is only touched at registration and when read (never per packet).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/status.h"

namespace sipcapd {

enum StatFlags : uint32_t {
  kStatCounter = 0,
  kStatNoReset = 1,  // gauges and "current state" values
};

class Stat {
 public:
  void Inc(int64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  void Dec(int64_t n = 1) { v_.fetch_sub(n, std::memory_order_relaxed); }
  void Set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

class StatsRegistry {
 public:
  struct Entry {
    std::string group;
    std::string name;
    uint32_t flags = 0;
    Stat* stat = nullptr;              // owned elsewhere or by the registry
    std::function<int64_t()> compute;  // computed gauge (stat == nullptr)
    int64_t Value() const { return stat ? stat->Get() : compute(); }
  };

  // Registers a Stat owned by the caller; it must outlive the registry
  // entry (modules keep Stats in their state and Unregister on destroy).
  Status Register(const std::string& group, const std::string& name, Stat* stat,
                  uint32_t flags = kStatCounter);
  // Creates a registry-owned Stat (lives as long as the registry).
  Stat* Create(const std::string& group, const std::string& name, uint32_t flags = kStatCounter);
  Status RegisterComputed(const std::string& group, const std::string& name,
                          std::function<int64_t()> fn);
  void UnregisterGroup(const std::string& group);

  // "all", "group:" or "group:name" / "name" (searched in every group).
  std::vector<Entry> Query(const std::string& what) const;
  std::vector<Entry> All() const;
  // Resets counters (not kStatNoReset); returns how many were reset.
  int Reset(const std::string& what);

  static StatsRegistry& Global();

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // key "group:name"
  std::vector<std::unique_ptr<Stat>> owned_;
};

}  // namespace sipcapd
