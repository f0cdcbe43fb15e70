// TCP connection event tracing (OpenSIPS 2.3+ proto_tcp `trace_destination`,
// `trace_on`, `trace_filter_route`): every connection accepted or opened,
// and its close, is sent as a "net" HEP packet (proto type 0x59, ip proto
// TCP) through proto_hep's HepApi to one hep_id. Payload parts (HOMER5:
// joined with homer5_delim; HOMER6: JSON):
//   "Event"   ACCEPT | CONNECT | CLOSE
//   "Status"  SUCCESS | FAILURE
//   "Message" a short human text ("connection accepted", "idle timeout"...)
// Addresses: src -> dst in the direction the connection was made (accept:
// remote -> local; connect: local -> remote; close: as the connection).
// Correlation (chunk 0x0011): the connection's correlation id in decimal,
// the same for all events of one connection; SIP messages read on a traced
// connection carry it in ctx.ext[kTcpConnExtKey] so siptrace can add the
// "net" extra correlation.
//
// The filter route runs once per connection (before the first event) with
// $si/$sp = the remote end and $Ri/$Rp = the local end; `drop` in it skips
// the connection, any other exit traces it.
// Thread-safety: Decide/Event from the reactor and worker threads;
// SetOn from MI; Init on the main thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/module/module_api.h"
#include "core/net/address.h"

namespace sipcapd::hep {
class HepApi;
}

namespace sipcapd::proto_tcp {

inline constexpr const char* kTcpConnExtKey = "proto_tcp:conn";

// The TCP connection a SIP message came on (set only on traced connections).
class TcpConnExt : public MsgExtension {
 public:
  std::string correlation;  // decimal, as in the net events
  std::unique_ptr<MsgExtension> Clone() const override {
    return std::make_unique<TcpConnExt>(*this);
  }
};
// The correlation of the connection ctx came on, "" when none.
inline std::string TcpConnCorrelation(const MsgContext& ctx) {
  auto it = ctx.ext.find(kTcpConnExtKey);
  return it == ctx.ext.end() || !it->second
             ? std::string()
             : static_cast<const TcpConnExt*>(it->second.get())->correlation;
}

struct TcpTraceOptions {
  std::string destination;   // hep_id name ("" = tracing not configured)
  int trace_on = 0;          // initial state
  std::string filter_route;  // route name ("" = trace every connection)
};

struct TcpTraceStats {
  Stat events, dropped, filtered;
};

class TcpTracer {
 public:
  enum class Event { kAccept, kConnect, kClose };

  // Looks the destination up in proto_hep and checks the route.
  Status Init(const TcpTraceOptions& opt, Registrar& reg);
  bool configured() const { return hep_ != nullptr; }
  bool on() const { return configured() && on_.load(std::memory_order_relaxed); }
  void SetOn(bool on) { on_.store(on); }

  // True when the connection is to be traced (tracing on and not dropped
  // by the filter route).
  bool Decide(const SockAddr& remote, const SockAddr& local);
  // A new correlation id (unique in this process).
  uint64_t NewCorrelation() { return base_ + next_.fetch_add(1); }
  void Send(Event ev, bool ok, std::string_view message, const SockAddr& src, const SockAddr& dst,
            uint64_t correlation);

  TcpTraceStats& stats() { return stats_; }

 private:
  hep::HepApi* hep_ = nullptr;
  Registrar* reg_ = nullptr;
  std::string dest_;
  std::string route_;
  std::atomic<bool> on_{false};
  uint64_t base_ = 0;
  std::atomic<uint64_t> next_{1};
  TcpTraceStats stats_;
};

// MI tcp_trace [on|off]: shows or sets the state.
MiResult MiTcpTrace(TcpTracer& t, const MiParams& p);

}  // namespace sipcapd::proto_tcp
