// One traced SIP message in the shape of a sip_trace row (opensips-modules
// §2.5), and its conversions to a HEP packet (§2.6) and to a DB row.
// Pure functions over values except LocalAddressToward (one socket call).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/db/value.h"
#include "core/msg/msg_context.h"
#include "core/net/address.h"
#include "modules/proto_hep/hep_codec.h"

namespace sipcapd::siptrace {

// trace_local_ip: "[proto:]ip[:port]".
struct LocalIp {
  Proto proto = Proto::kUdp;
  SockAddr addr;
};
// Parses trace_local_ip; a port out of range becomes 5060 with *warning set.
Result<LocalIp> ParseLocalIp(std::string_view text, std::string* warning);

struct TraceRecord {
  std::string msg;
  std::string callid;
  std::string method;
  std::string status;  // reply code as text, "" for requests
  Proto from_proto = Proto::kUdp;
  SockAddr from;
  Proto to_proto = Proto::kUdp;
  SockAddr to;
  int64_t time_us = 0;
  std::string direction;  // "in" / "out"
  std::string fromtag;
  std::string trace_attrs;
  // Correlation id of the TCP connection the message came on (extra
  // correlation "net" in HOMER6 mode); empty when not connection based.
  std::string net_correlation;
};

// The message in `ctx` as received (direction "in"), with the protocol
// and addresses IncomingAddresses gave (resolved once by the caller, which
// may have tried the HEP view path with them first). `now_us` is the trace
// time. The net correlation is the caller's to set.
TraceRecord RecordIncoming(MsgContext& ctx, Proto proto, const SockAddr& from, const SockAddr& to,
                           int64_t now_us);

// Local address used to reach `peer` (UDP connect + getsockname); the
// wildcard address if that fails.
IpAddr LocalAddressToward(const IpAddr& peer);

// IP protocol number for the HEP ip-proto chunk (OpenSIPS mapping:
// udp 17, tcp 6, tls 22, sctp 132, ws/wss 50); nullopt for others.
std::optional<uint8_t> HepIpProto(Proto p);

// The addresses of the message in `ctx` as received: from = source, to =
// the local socket; a wildcard (0.0.0.0 / ::) local address is replaced by
// `local` when set, else by the local address the kernel routes toward
// the source (never 0.0.0.0 in a trace); the protocol (UDP when unknown).
void IncomingAddresses(const MsgContext& ctx, const std::optional<LocalIp>& local, Proto* proto,
                       SockAddr* from, SockAddr* to);

// Every field of siptrace's HEP packet but the payload and the correlation
// id (both marked present): addresses (port 0 sent as 5060), ip proto,
// time, proto type SIP, capture id. False when the protocol has no HEP
// mapping or the addresses are unset or of two families.
bool FillHepHeader(Proto proto, SockAddr from, SockAddr to, int64_t time_us, uint32_t capture_id,
                   hep::PacketFields* p);

// HEP packet as siptrace builds it: proto type SIP, payload = the message,
// correlation = Call-ID, time = record time, the given capture id.
// nullopt when the protocol has no HEP mapping or addresses are unset.
std::optional<hep::Packet> ToHepPacket(const TraceRecord& r, uint32_t capture_id);
// The same, taking the message and Call-ID out of `r` instead of copying.
std::optional<hep::Packet> ToHepPacket(TraceRecord&& r, uint32_t capture_id);

// The 14 sip_trace columns in OpenSIPS insert order (names may be renamed
// by the *_column params; see ColumnNames in tracer.h).
inline constexpr int kTraceColumns = 14;
db::Row ToDbRow(const TraceRecord& r);

}  // namespace sipcapd::siptrace
