// TraceContexts: which trace ids follow a message for SIP-context events
// (the "xlog" trace type): OpenSIPS keeps this in the processing context;
// here it is
//   * a mark on the message itself (ctx.ext["siptrace"]), set by every
//     sip_trace() call whatever the scope (OpenSIPS ignores xlog at scope
//     m: a documented deliberate difference), and travelling with clones
//     of the message (tm's failure_route copy, async resumption);
//   * for scopes t and d, a table keyed by Call-ID: every message of that
//     call (replies in onreply_route, in-dialog requests) is followed
//     until the transaction ends (t) or the dialog ends (d). Entries also
//     expire (t: 5 minutes, d: 12 hours) so a transaction that was never
//     created cannot leak one.
// Lookup() on an untraced message costs an atomic load when the table is
// empty, else one Call-ID lookup under a mutex.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/msg/msg_context.h"

namespace sipcapd::siptrace {

struct ContextTrace {
  std::string id;      // trace id name
  uint32_t types = 0;  // TraceType bits
  bool operator==(const ContextTrace&) const = default;
};

class TraceContexts {
 public:
  using Clock = std::chrono::steady_clock;

  // Marks the message in ctx as traced to `id` with `types`.
  static void MarkMessage(MsgContext& ctx, const std::string& id, uint32_t types);

  // Follows every message of the call `callid` (one reference; call
  // Release as often as Add). `ttl` bounds the life of the entry.
  void AddCall(const std::string& callid, const ContextTrace& t, Clock::duration ttl);
  void ReleaseCall(const std::string& callid, const std::string& id);

  // The trace ids following ctx (message marks first, then its call),
  // each id once. Empty for an untraced message.
  std::vector<ContextTrace> Lookup(MsgContext& ctx);

  size_t calls() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    ContextTrace t;
    int refs = 0;
    Clock::time_point expires;
  };
  void SweepLocked(Clock::time_point now);

  std::mutex mu_;
  std::unordered_map<std::string, std::vector<Entry>> calls_;
  std::atomic<size_t> count_{0};
  Clock::time_point last_sweep_{};
};

}  // namespace sipcapd::siptrace
