// The script functions and pseudo-variables the core itself provides
// (owner "core"): xlog, log, setflag, resetflag, isflagset; $var, $avp, $Ts,
// $Tf, $time(fmt), $pp, $retcode, $rc. Called once on the main thread while
// the Registry is being filled, before the cfg is compiled.
#pragma once

#include <atomic>
#include <functional>
#include <string_view>

#include "core/base/status.h"
#include "core/module/registry.h"

namespace sipcapd {

Status RegisterCoreExports(Registry& registry);

// XlogHook: one process-wide observer of the lines xlog() prints, called
// with the message context the line was printed for (siptrace's "xlog"
// trace type). Only lines that pass log_level are reported, after they
// were written. With no observer set the cost is one relaxed atomic load.
// Thread-safety: Set() on the main thread only (module init / destroy,
// while no worker runs); Notify() from any worker thread.
class XlogHook {
 public:
  using Observer = std::function<void(MsgContext& ctx, int level, std::string_view line)>;
  static void Set(Observer observer);  // empty: removes the observer
  static bool active() { return active_.load(std::memory_order_relaxed); }
  static void Notify(MsgContext& ctx, int level, std::string_view line);

 private:
  static std::atomic<bool> active_;
};

}  // namespace sipcapd
