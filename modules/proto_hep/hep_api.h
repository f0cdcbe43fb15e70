// HepApi: the typed service proto_hep publishes to other modules
// (sipcapture, siptrace) as "HepApi/1" through Registrar::PublishService.
//
// Usage from another module's init:
//   auto* hep = reg.Service<sipcapd::hep::HepApi>(sipcapd::hep::kHepApiName);
//   if (!hep) return Status::NotFound("proto_hep not loaded");
//   hep->RegisterReceiveCallback([](MsgContext& ctx) { ... });   // init only
// and on a worker thread:
//   hep::Packet p = hep->BuildPacket(ctx, hep::kProtoSip);
//   p.correlation_id = call_id; p.Mark(hep::kChunkCorrelationId);
//   hep->Send("hep_dst", p);     // never blocks; queued per destination
//
// Receive path: a hep_udp / hep_tcp listener decodes each packet, creates a
// MsgContext whose `buf` is the payload, `rcv` carries the addresses of the
// HEP header (src/dst/proto of the captured message), `recv_time_us` the
// HEP timestamp (receive time when the packet has none), and `hep` a
// HepContext (below). The context is handed to the registered callback(s)
// on the listener's worker thread. With no callback registered the packet is
// counted in "proto_hep:unhandled" and dropped.
//
// Thread-safety: RegisterReceiveCallback only from init (main thread,
// before workers start). Everything else is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "core/msg/msg_context.h"
#include "core/net/address.h"
#include "modules/proto_hep/hep_codec.h"
#include "modules/proto_hep/hep_format.h"
#include "modules/proto_hep/hep_id.h"

namespace sipcapd::hep {

constexpr const char* kHepApiName = "HepApi/1";

// How the HEP packet itself reached us (sipcapture's $hep_net(...)).
struct HepNet {
  int family = 0;              // AF_INET / AF_INET6 of the agent's socket
  Proto proto = Proto::kNone;  // kHepUdp / kHepTcp / kHepTls
  SockAddr src;                // the agent (sender of the HEP packet)
  SockAddr dst;                // our listening address
  std::string listener;        // "hep_udp:127.0.0.1:9060"
};

// The HEP attachment of a MsgContext (ctx.hep). Owned by the context.
class HepContext : public MsgExtension {
 public:
  Packet packet;    // decoded; modules may modify it (hep_set ...)
  int version = 3;  // version it arrived in (1, 2, 3)
  HepNet net;
  // Set by whoever changes `packet` (hep_set, hep_del). The bytes as
  // received are not kept: nothing relays them verbatim (hep_relay
  // re-encodes `packet`), and a copy per packet cost the receive path an
  // allocation and a pass over the payload (session 10).
  bool modified = false;

  std::unique_ptr<MsgExtension> Clone() const override {
    return std::make_unique<HepContext>(*this);
  }
};

// The HepContext of a message, or nullptr when it did not come as HEP.
// ctx.hep is reserved to proto_hep (only HepContext is ever stored there),
// so a static_cast is used: dynamic_cast across dlopen()ed modules with
// hidden visibility is not reliable.
inline HepContext* GetHepContext(MsgContext& ctx) {
  return static_cast<HepContext*>(ctx.hep.get());
}
inline const HepContext* GetHepContext(const MsgContext& ctx) {
  return static_cast<const HepContext*>(ctx.hep.get());
}

// Payload parts and extra correlation of a traced event (OpenSIPS
// add_payload_part / add_extra_correlation), applied per homer5_on.
using KeyValues = std::vector<std::pair<std::string, std::string>>;

class HepApi {
 public:
  virtual ~HepApi() = default;

  using ReceiveCallback = std::function<void(MsgContext&)>;
  // Adds a receive callback (init only). Every callback sees every packet,
  // in registration order.
  virtual void RegisterReceiveCallback(ReceiveCallback cb) = 0;

  // A destination declared with modparam hep_id, or nullptr.
  virtual const Destination* FindDestination(std::string_view name) const = 0;
  // An ad-hoc destination: "host:port;transport=udp;version=2" ([name] optional).
  virtual Result<Destination> ParseDestination(std::string_view text) const = 0;

  // A packet describing `ctx`: addresses and ports from ctx.rcv, ip proto
  // from ctx.rcv.proto, timestamp from ctx.recv_time_us (now if 0), proto
  // type as given, capture id = hep_capture_id, payload = ctx.buf. Every
  // standard chunk is marked present. No correlation id (callers set it).
  virtual Packet BuildPacket(const MsgContext& ctx, uint8_t proto_type) const = 0;

  // Sets the payload / extra correlation per homer5_on: HOMER5 joins the
  // part values with homer5_delim and puts an extra-correlation value whose
  // key starts with "sip" into chunk 0x0011; HOMER6 makes the payload a
  // JSON object of the parts and adds chunk 0x0065 with the correlation
  // object. Empty `parts` leaves the payload unchanged.
  virtual void Encapsulate(Packet* p, const KeyValues& parts,
                           const KeyValues& extra_correlation) const = 0;

  // Encodes `p` in the destination's version and queues it on the
  // destination's sender. Never blocks: a full queue drops the packet,
  // counts it (proto_hep:send_dropped) and returns kUnavailable.
  virtual Status Send(const std::string& dest_name, const Packet& p) = 0;
  virtual Status SendTo(const Destination& dest, const Packet& p) = 0;
  // The same for a packet viewing data the caller owns (no copy into a
  // Packet first); the bytes are those of SendTo(dest, ToPacket(p)).
  virtual Status SendViewTo(const Destination& dest, const PacketView& p) = 0;
  // Queues already-encoded bytes (relaying a packet unchanged).
  virtual Status SendRaw(const Destination& dest, std::string bytes) = 0;

  virtual int homer_version() const = 0;  // 5 (homer5_on=1) or 6
  virtual const std::string& homer5_delim() const = 0;
  virtual uint32_t capture_id() const = 0;
};

}  // namespace sipcapd::hep
