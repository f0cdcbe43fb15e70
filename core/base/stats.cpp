#include "core/base/stats.h"

namespace sipcapd {

Status StatsRegistry::Register(const std::string& group, const std::string& name, Stat* stat,
                               uint32_t flags) {
  std::lock_guard<std::mutex> g(mu_);
  std::string key = group + ":" + name;
  if (entries_.count(key)) return Status::Exists("statistic " + key + " already registered");
  entries_[key] = Entry{group, name, flags, stat, nullptr};
  return Status::Ok();
}

Stat* StatsRegistry::Create(const std::string& group, const std::string& name, uint32_t flags) {
  std::lock_guard<std::mutex> g(mu_);
  std::string key = group + ":" + name;
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.stat) return it->second.stat;
  owned_.push_back(std::make_unique<Stat>());
  entries_[key] = Entry{group, name, flags, owned_.back().get(), nullptr};
  return owned_.back().get();
}

Status StatsRegistry::RegisterComputed(const std::string& group, const std::string& name,
                                       std::function<int64_t()> fn) {
  std::lock_guard<std::mutex> g(mu_);
  std::string key = group + ":" + name;
  if (entries_.count(key)) return Status::Exists("statistic " + key + " already registered");
  entries_[key] = Entry{group, name, kStatNoReset, nullptr, std::move(fn)};
  return Status::Ok();
}

void StatsRegistry::UnregisterGroup(const std::string& group) {
  std::lock_guard<std::mutex> g(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.group == group)
      it = entries_.erase(it);
    else
      ++it;
  }
}

std::vector<StatsRegistry::Entry> StatsRegistry::Query(const std::string& what) const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<Entry> out;
  if (what == "all" || what.empty()) {
    for (const auto& [k, e] : entries_) out.push_back(e);
    return out;
  }
  auto colon = what.find(':');
  if (colon == std::string::npos) {
    for (const auto& [k, e] : entries_)
      if (e.name == what) out.push_back(e);
    return out;
  }
  std::string group = what.substr(0, colon), name = what.substr(colon + 1);
  for (const auto& [k, e] : entries_)
    if (e.group == group && (name.empty() || e.name == name)) out.push_back(e);
  return out;
}

std::vector<StatsRegistry::Entry> StatsRegistry::All() const { return Query("all"); }

int StatsRegistry::Reset(const std::string& what) {
  int n = 0;
  for (auto& e : Query(what)) {
    if (e.stat && !(e.flags & kStatNoReset)) {
      e.stat->Set(0);
      ++n;
    }
  }
  return n;
}

StatsRegistry& StatsRegistry::Global() {
  static StatsRegistry r;
  return r;
}

}  // namespace sipcapd
