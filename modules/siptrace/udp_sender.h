// UdpSender: fire-and-forget datagrams to one host:port, never blocking the
// caller. Used for SIP duplicate destinations and, until proto_hep's HepApi
// is available, for inline (2.2 form) HEP-over-UDP destinations.
//
// Send() copies the datagram into a bounded queue (max_queue entries) and
// returns at once; when the queue is full the datagram is dropped and
// counted. One background thread resolves the host (getaddrinfo, off the
// SIP path; re-resolved every `resolve_interval` after a failure or
// periodically) and sends with a non-blocking socket. While the host is
// unresolvable queued datagrams are dropped and counted.
//
// Thread-safety: Send() and counters from any thread; Start/Stop from one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "core/base/stats.h"
#include "core/base/status.h"
#include "core/net/address.h"

namespace sipcapd::siptrace {

struct SenderCounters {
  Stat sent;
  Stat dropped_queue_full;
  Stat dropped_unresolved;
  Stat send_errors;
};

class UdpSender {
 public:
  UdpSender(std::string host, uint16_t port, size_t max_queue = 4096,
            std::chrono::milliseconds resolve_interval = std::chrono::seconds(5));
  ~UdpSender();  // Stop()
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;

  Status Start();
  void Stop();
  // Queues one datagram; false (and counted) when dropped.
  bool Send(std::string datagram);
  // Blocks up to `timeout` until the queue is empty (tests, shutdown).
  bool WaitIdle(std::chrono::milliseconds timeout);

  const SenderCounters& counters() const { return c_; }
  std::string target() const { return host_ + ":" + std::to_string(port_); }

 private:
  void Loop();
  bool Resolve(SockAddr* out);

  std::string host_;
  uint16_t port_;
  size_t max_queue_;
  std::chrono::milliseconds resolve_interval_;
  SenderCounters c_;
  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<std::string> q_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sipcapd::siptrace
