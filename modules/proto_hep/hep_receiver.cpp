// HEP receive pipeline (contract in hep_receiver.h).
#include "modules/proto_hep/hep_receiver.h"

#include <sys/time.h>

#include "core/base/log.h"

namespace sipcapd::hep {

Proto ProtoFromIpProto(uint8_t ip_proto) {
  switch (ip_proto) {
    case kIpProtoUdp: return Proto::kUdp;
    case kIpProtoTcp: return Proto::kTcp;
    case kIpProtoTlsFake: return Proto::kTls;
    case kIpProtoSctp: return Proto::kSctp;
    case kIpProtoWsFake: return Proto::kWs;
    default: return Proto::kNone;
  }
}

uint8_t IpProtoFromProto(Proto p) {
  switch (p) {
    case Proto::kTcp:
    case Proto::kHepTcp: return kIpProtoTcp;
    case Proto::kTls:
    case Proto::kHepTls:
    case Proto::kWss: return kIpProtoTlsFake;
    case Proto::kSctp: return kIpProtoSctp;
    case Proto::kWs: return kIpProtoWsFake;
    default: return kIpProtoUdp;
  }
}

bool HepReceiver::OnPacket(std::string_view bytes, const HepNet& net, VarStore* vars) {
  stats_->received.Inc();
  DecodeError why = DecodeError::kNone;
  auto r = Decode(bytes, opts_.decode, &why);
  if (!r.ok()) {
    stats_->errors[static_cast<size_t>(why)].Inc();
    LOG_DBG("proto_hep", "bad HEP packet from %s: %s", net.src.ToString().c_str(),
            r.status().message().c_str());
    return false;
  }
  stats_->decoded.Inc();
  Packet& p = r.value();
  if (p.trailing_bytes) stats_->trailing.Inc();
  if (opts_.auth_mode != AuthMode::kOff) {
    bool ok = p.Has(kChunkAuthKey) && p.auth_key == opts_.auth_key;
    if (!ok) {
      (p.Has(kChunkAuthKey) ? stats_->auth_failed : stats_->auth_missing).Inc();
      if (opts_.auth_mode == AuthMode::kEnforce) return false;
    }
  }
  if (callbacks_.empty()) {
    stats_->unhandled.Inc();
    return false;
  }
  MsgContext ctx;
  ctx.vars = vars;
  ctx.route_type = kRequestRoute;
  ctx.buf = p.payload;
  ctx.rcv.src = {p.src_ip.is_set() ? p.src_ip : net.src.ip, p.src_port};
  ctx.rcv.dst = {p.dst_ip.is_set() ? p.dst_ip : net.dst.ip, p.dst_port};
  if (!p.src_ip.is_set() && !p.Has(kChunkSrcPort)) ctx.rcv.src.port = net.src.port;
  if (!p.dst_ip.is_set() && !p.Has(kChunkDstPort)) ctx.rcv.dst.port = net.dst.port;
  ctx.rcv.proto = p.Has(kChunkIpProto) ? ProtoFromIpProto(p.ip_proto) : Proto::kUdp;
  ctx.rcv.listener = net.listener;
  if (p.ts_sec != 0) {
    ctx.recv_time_us = p.TimestampUs();
  } else {
    timeval tv;
    gettimeofday(&tv, nullptr);
    ctx.recv_time_us = int64_t{tv.tv_sec} * 1000000 + tv.tv_usec;
  }
  auto hc = std::make_unique<HepContext>();
  hc->version = p.version;
  hc->net = net;
  hc->raw.assign(bytes.data(), bytes.size() - p.trailing_bytes);
  hc->packet = std::move(p);
  ctx.hep = std::move(hc);
  for (const auto& cb : callbacks_) cb(ctx);
  return true;
}

}  // namespace sipcapd::hep
