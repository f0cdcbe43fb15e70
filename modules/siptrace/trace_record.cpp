#include "modules/siptrace/trace_record.h"

#include <unistd.h>

#include <cctype>

#include "core/sip/msg_helpers.h"
#include "modules/siptrace/trace_id.h"

namespace sipcapd::siptrace {
namespace {

std::optional<Proto> ProtoFromName(std::string_view n) {
  std::string l(n);
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "udp") return Proto::kUdp;
  if (l == "tcp") return Proto::kTcp;
  if (l == "tls") return Proto::kTls;
  if (l == "sctp") return Proto::kSctp;
  if (l == "ws") return Proto::kWs;
  if (l == "wss") return Proto::kWss;
  return std::nullopt;
}

}  // namespace

Result<LocalIp> ParseLocalIp(std::string_view text, std::string* warning) {
  LocalIp out;
  std::string_view s = text;
  size_t c = s.find(':');
  if (c != std::string_view::npos && c <= 4 && s.front() != '[') {
    auto p = ProtoFromName(s.substr(0, c));
    if (p) {
      out.proto = *p;
      s = s.substr(c + 1);
    }
  }
  std::string host;
  uint16_t port = 0;
  Status st = SplitHostPort(s, &host, &port);
  if (!st.ok()) {
    if (st.message().find("range") == std::string::npos)
      return Status::Invalid("trace_local_ip: " + st.message());
    // Out-of-range port: 5060 with a warning (OpenSIPS behaviour).
    size_t colon = s.rfind(':');
    host = std::string(s.substr(0, colon));
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
    port = 0;
    if (warning) *warning = "trace_local_ip: port out of range, using 5060";
  }
  auto ip = IpAddr::Parse(host);
  if (!ip) return Status::Invalid("trace_local_ip: '" + host + "' is not an IP address");
  out.addr.ip = *ip;
  out.addr.port = port ? port : 5060;
  return out;
}

IpAddr LocalAddressToward(const IpAddr& peer) {
  IpAddr any;
  any.family = peer.family ? peer.family : AF_INET;
  if (!peer.is_set()) return any;
  int fd = ::socket(peer.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return any;
  SockAddr p{peer, 9};
  sockaddr_storage ss{};
  socklen_t len = p.ToSockaddr(&ss);
  IpAddr result = any;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    sockaddr_storage local{};
    socklen_t llen = sizeof(local);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) == 0)
      result = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&local)).ip;
  }
  ::close(fd);
  return result;
}

void IncomingAddresses(const MsgContext& ctx, const std::optional<LocalIp>& local, Proto* proto,
                       SockAddr* from, SockAddr* to) {
  *proto = ctx.rcv.proto == Proto::kNone ? Proto::kUdp : ctx.rcv.proto;
  *from = ctx.rcv.src;
  *to = ctx.rcv.dst;
  if (!to->ip.is_set() || to->ip.IsAny()) {
    if (local) {
      to->ip = local->addr.ip;
      if (!to->port) to->port = local->addr.port;
    } else {
      to->ip = LocalAddressToward(from->ip);
    }
  }
}

TraceRecord RecordIncoming(MsgContext& ctx, Proto proto, const SockAddr& from, const SockAddr& to,
                           int64_t now_us) {
  TraceRecord r;
  r.msg = ctx.buf;
  r.direction = "in";
  r.time_us = now_us;
  r.from_proto = r.to_proto = proto;
  r.from = from;
  r.to = to;
  if (const sip::Message* m = sip::Parsed(ctx)) {
    r.callid = std::string(sip::CallId(*m));
    r.fromtag = std::string(sip::FromTag(*m));
    r.method = std::string(sip::Method(*m));
    if (m->is_reply()) r.status = std::to_string(m->status_code());
  }
  return r;
}

std::optional<uint8_t> HepIpProto(Proto p) {
  switch (p) {
    case Proto::kUdp: return hep::kIpProtoUdp;
    case Proto::kTcp: return hep::kIpProtoTcp;
    case Proto::kTls: return hep::kIpProtoTlsFake;
    case Proto::kSctp: return hep::kIpProtoSctp;
    case Proto::kWs:
    case Proto::kWss: return hep::kIpProtoWsFake;
    default: return std::nullopt;
  }
}

bool FillHepHeader(Proto proto, SockAddr from, SockAddr to, int64_t time_us, uint32_t capture_id,
                   hep::PacketFields* p) {
  auto ipp = HepIpProto(proto);
  if (!ipp || !from.ip.is_set() || !to.ip.is_set() || from.ip.family != to.ip.family) return false;
  if (!from.port) from.port = 5060;
  if (!to.port) to.port = 5060;
  p->SetAddresses(from, to);
  p->ip_proto = *ipp;
  p->Mark(hep::kChunkIpProto);
  p->ts_sec = static_cast<uint32_t>(time_us / 1000000);
  p->ts_usec = static_cast<uint32_t>(time_us % 1000000);
  p->Mark(hep::kChunkTsSec);
  p->Mark(hep::kChunkTsUsec);
  p->proto_type = hep::kProtoSip;
  p->Mark(hep::kChunkProtoType);
  p->capture_id = capture_id;
  p->Mark(hep::kChunkCaptureId);
  p->Mark(hep::kChunkPayload);
  p->Mark(hep::kChunkCorrelationId);
  return true;
}

namespace {
// Everything of ToHepPacket but the payload and the correlation id.
std::optional<hep::Packet> HepPacketHeader(const TraceRecord& r, uint32_t capture_id) {
  hep::Packet p;
  if (!FillHepHeader(r.from_proto, r.from, r.to, r.time_us, capture_id, &p)) return std::nullopt;
  return p;
}
}  // namespace

std::optional<hep::Packet> ToHepPacket(const TraceRecord& r, uint32_t capture_id) {
  auto p = HepPacketHeader(r, capture_id);
  if (p) {
    p->payload = r.msg;
    p->correlation_id = r.callid;
  }
  return p;
}

std::optional<hep::Packet> ToHepPacket(TraceRecord&& r, uint32_t capture_id) {
  auto p = HepPacketHeader(r, capture_id);
  if (p) {
    p->payload = std::move(r.msg);
    p->correlation_id = std::move(r.callid);
  }
  return p;
}

db::Row ToDbRow(const TraceRecord& r) {
  db::Row row;
  row.time_us = r.time_us;
  row.values.reserve(kTraceColumns);
  row.values.push_back(db::Value::String(r.msg));
  row.values.push_back(db::Value::String(r.callid));
  row.values.push_back(db::Value::String(r.method));
  row.values.push_back(db::Value::String(r.status));
  row.values.push_back(db::Value::String(ProtoName(r.from_proto)));
  row.values.push_back(db::Value::String(r.from.ip.ToString()));
  row.values.push_back(db::Value::Int(r.from.port));
  row.values.push_back(db::Value::String(ProtoName(r.to_proto)));
  row.values.push_back(db::Value::String(r.to.ip.ToString()));
  row.values.push_back(db::Value::Int(r.to.port));
  row.values.push_back(db::Value::DateTime(r.time_us / 1000000 * 1000000));
  row.values.push_back(db::Value::String(r.direction));
  row.values.push_back(db::Value::String(r.fromtag));
  row.values.push_back(db::Value::String(r.trace_attrs));
  return row;
}

}  // namespace sipcapd::siptrace
