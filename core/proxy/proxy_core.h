// ProxyCore: the send side of the SIP layer shared by the core (forward(),
// reply routing) and modules (sl, signaling). Transports (proto_udp,
// proto_tcp) register a Sender per listening socket at Open(); forwarding
// picks the sender by protocol and address family, preferring the socket
// the message came in on, so requests leave from our listening address and
// replies come back to it. Published as the service kProxyCoreService.
//
// A module that keeps transaction state (tm) registers a reply interceptor:
// ProcessSip() hands it every received reply after the main onreply_route
// (OpenSIPS order) and before stateless reply routing; a reply it takes is
// not forwarded by the core. Without an interceptor the stateless paths
// are unchanged.
//
// Thread-safety: AddSender/RemoveSender take a writer lock;
// SetReplyInterceptor is for module init on the main thread (before any
// worker runs); everything else is safe from any number of worker threads
// at once.
#pragma once

#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/stats.h"
#include "core/base/status.h"
#include "core/msg/msg_context.h"
#include "core/net/address.h"

namespace sipcapd::proxy {

inline constexpr const char* kProxyCoreService = "ProxyCore/1";

// One way out: a listening socket (UDP) or a connection pool (TCP).
class Sender {
 public:
  virtual ~Sender() = default;
  virtual Proto proto() const = 0;
  virtual const SockAddr& local() const = 0;    // address put in our Via
  virtual const std::string& name() const = 0;  // == RecvInfo::listener
  virtual Status Send(const SockAddr& dst, std::string_view data) = 0;
};

// A parsed destination: "udp:host:port", "host", "[::1]:5070",
// "sip:user@host:port;transport=tcp".
struct Destination {
  Proto proto = Proto::kNone;  // kNone: not given (use UDP or the URI's)
  std::string host;            // no brackets
  uint16_t port = 0;           // 0: default
};
Result<Destination> ParseDestination(std::string_view text);
// Resolves host (IP literal, else getaddrinfo A/AAAA; first address).
Result<SockAddr> Resolve(const Destination& d);
// Proto from a Via transport / URI transport token ("UDP", "tcp"); kNone if unknown.
Proto ProtoFromToken(std::string_view t);
const char* ViaTransport(Proto p);  // "UDP", "TCP", ...

// Returns true when it took the reply (the core then does not forward it).
using ReplyInterceptor = std::function<bool(MsgContext& reply)>;

struct ProxyStats {
  Stat fwd_requests, fwd_replies, drop_requests, drop_replies;
  Stat err_requests, err_replies, bad_msgs, sl_replies;
};

class ProxyCore {
 public:
  ProxyCore() = default;
  // Registers the counters under group "core" (idempotent per registry).
  void RegisterStats(StatsRegistry& reg);

  void AddSender(Sender* s);
  void RemoveSender(Sender* s);
  // The sender for `proto`/family; `prefer` (a listener name) wins when it
  // matches. nullptr if there is none.
  Sender* Pick(Proto proto, int family, std::string_view prefer) const;
  // True if host:port is one of our listening addresses (any proto).
  bool IsLocal(std::string_view host, uint16_t port) const;
  // Sends through Pick(proto, dst family, prefer).
  Status Send(Proto proto, const SockAddr& dst, std::string_view data, std::string_view prefer,
              const SockAddr** local_out = nullptr);
  // Sends a locally generated reply to the sender of request `ctx`
  // (RFC 3261 §18.2.2: over the same transport; UDP to the source IP and
  // the rport/Via port).
  Status SendReply(MsgContext& ctx, std::string_view reply);

  // At most one interceptor (a second call is an error). Main thread, init.
  Status SetReplyInterceptor(ReplyInterceptor f);
  // Runs the interceptor; false when there is none or it did not take `reply`.
  bool InterceptReply(MsgContext& reply) const { return intercept_ && intercept_(reply); }
  // Names of the senders (listener names), in registration order.
  std::vector<std::string> SenderNames() const;

  ProxyStats& stats() { return stats_; }

 private:
  mutable std::shared_mutex mu_;
  std::vector<Sender*> senders_;
  ReplyInterceptor intercept_;
  ProxyStats stats_;
};

}  // namespace sipcapd::proxy
