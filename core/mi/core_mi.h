// The core's own MI commands (owner "core"), with OpenSIPS 2.4 reply
// shapes (doc/mi.md): version, uptime, which (aliases help, list), ps,
// get_statistics, reset_statistics, log_level, kill (alias shutdown).
//
// Thread-safety: the handlers run on MI transport threads; the hooks must
// be callable from any thread. `shutdown` must only request the shutdown
// (set a flag, raise a signal), not wait for it: the reply is written
// after the handler returns.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/stats.h"
#include "core/module/registry.h"

namespace sipcapd {

struct CoreMiHooks {
  std::chrono::system_clock::time_point start_time = std::chrono::system_clock::now();
  // (pid or thread id, description) of every process/thread, for `ps`.
  std::function<std::vector<std::pair<int, std::string>>()> processes;
  std::function<void()> shutdown;
  StatsRegistry* stats = nullptr;  // null: StatsRegistry::Global()
};

Status RegisterCoreMi(Registry& registry, const CoreMiHooks& hooks);

}  // namespace sipcapd
