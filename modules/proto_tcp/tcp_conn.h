// One TCP connection of the SIP listener. The input buffer and timers are
// touched only by the reactor thread; writers serialise on write_mu. The fd
// is closed when the last reference goes (senders may hold one briefly).
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/net/address.h"

namespace sipcapd::proto_tcp {

struct TcpConn {
  using Clock = std::chrono::steady_clock;
  ~TcpConn() {
    if (fd >= 0) ::close(fd);
  }
  int fd = -1;
  uint64_t id = 0;
  SockAddr peer;
  bool accepted = false;
  std::string in;
  // Written by the reactor and by senders: atomic ticks of Clock.
  std::atomic<int64_t> last_activity{Clock::now().time_since_epoch().count()};
  void Touch() {
    last_activity.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
  Clock::time_point LastActivity() const {
    return Clock::time_point(Clock::duration(last_activity.load(std::memory_order_relaxed)));
  }
  Clock::time_point partial_since{};  // start of an incomplete message
  bool partial = false;
  std::atomic<bool> closed{false};
  std::mutex write_mu;
  // Connection event tracing (tcp_trace.h): decided once, before the
  // connection is shared; read-only afterwards.
  bool traced = false;
  uint64_t correlation = 0;
  SockAddr local;  // our end (getsockname), set when traced
};

}  // namespace sipcapd::proto_tcp
