// HepReceiver: the receive pipeline shared by the hep_udp / hep_tcp
// listeners: decode, count, check the auth key, build a MsgContext with a
// HepContext, hand it to the registered callbacks (or count it unhandled).
// Thread-safe: callbacks and options are fixed before workers start;
// counters are atomics.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/stats.h"
#include "modules/proto_hep/hep_api.h"

namespace sipcapd::hep {

struct HepStats {
  Stat received, decoded, unhandled, truncated, trailing, auth_failed, auth_missing;
  std::array<Stat, static_cast<size_t>(DecodeError::kCount)> errors;
  Stat kernel_drops;  // UDP SO_RXQ_OVFL (gauge, last seen value)
  Stat tcp_accepted, tcp_rejected, tcp_closed, tcp_garbage, tcp_stalled, tcp_idle_closed;
  Stat tcp_current;  // open hep_tcp connections (gauge)
  Stat sent, send_dropped, send_errors, connects, connect_failures;
  Stat sent_direct;  // of sent: written by the producing thread (UDP, TCP stages)
  Stat send_dropped_full, send_dropped_write, send_dropped_shutdown;  // by reason
  Stat dns_moves;  // a destination's host name resolved elsewhere: reconnected
  // hep_tls listener (hep_tcp_listener.h) and TLS senders (hep_sender.h).
  Stat tls_accepted, tls_handshake_failed, tls_handshake_timeout, tls_plain_hep, tls_cert_rejected;
  Stat tls_connect_failed;
  // Per-destination disk spools (hep_dest_spool.h).
  Stat spooled, spool_replayed, spool_dropped;
};

enum class AuthMode { kOff, kLog, kEnforce };

struct ReceiverOptions {
  AuthMode auth_mode = AuthMode::kOff;
  std::string auth_key;
  DecodeOptions decode;
};

class HepReceiver {
 public:
  HepReceiver(HepStats* stats, ReceiverOptions opts) : stats_(stats), opts_(std::move(opts)) {}
  void AddCallback(HepApi::ReceiveCallback cb) { callbacks_.push_back(std::move(cb)); }
  void set_options(ReceiverOptions o) { opts_ = std::move(o); }  // before workers start
  bool has_callbacks() const { return !callbacks_.empty(); }

  // One packet as received. `net` describes the agent side. `vars` is the
  // worker's $var store. Returns true if the packet was decoded and handed on.
  bool OnPacket(std::string_view bytes, const HepNet& net, VarStore* vars);
  HepStats* stats() const { return stats_; }

 private:
  HepStats* stats_;
  ReceiverOptions opts_;
  std::vector<HepApi::ReceiveCallback> callbacks_;
};

// IPPROTO (chunk 0x0002) to the script-visible transport ($pr).
Proto ProtoFromIpProto(uint8_t ip_proto);
uint8_t IpProtoFromProto(Proto p);

}  // namespace sipcapd::hep
