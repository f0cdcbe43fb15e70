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
  // Zero-copy decode first: rejected and unhandled packets cost no
  // allocation; the owning Packet is made only for packets handed on.
  PacketView v;
  std::span<const uint8_t> in(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  Status st = DecodeView(in, opts_.decode, &v, &why);
  if (!st.ok()) {
    stats_->errors[static_cast<size_t>(why)].Inc();
    LOG_DBG("proto_hep", "bad HEP packet from %s: %s", net.src.ToString().c_str(),
            st.message().c_str());
    return false;
  }
  stats_->decoded.Inc();
  if (v.trailing_bytes) stats_->trailing.Inc();
  if (opts_.auth_mode != AuthMode::kOff) {
    bool ok = v.Has(kChunkAuthKey) && v.auth_key == opts_.auth_key;
    if (!ok) {
      (v.Has(kChunkAuthKey) ? stats_->auth_failed : stats_->auth_missing).Inc();
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
  ctx.buf = v.payload;
  ctx.rcv.src = {v.src_ip.is_set() ? v.src_ip : net.src.ip, v.src_port};
  ctx.rcv.dst = {v.dst_ip.is_set() ? v.dst_ip : net.dst.ip, v.dst_port};
  if (!v.src_ip.is_set() && !v.Has(kChunkSrcPort)) ctx.rcv.src.port = net.src.port;
  if (!v.dst_ip.is_set() && !v.Has(kChunkDstPort)) ctx.rcv.dst.port = net.dst.port;
  ctx.rcv.proto = v.Has(kChunkIpProto) ? ProtoFromIpProto(v.ip_proto) : Proto::kUdp;
  ctx.rcv.listener = net.listener;
  if (v.ts_sec != 0) {
    ctx.recv_time_us = v.TimestampUs();
  } else {
    timeval tv;
    gettimeofday(&tv, nullptr);
    ctx.recv_time_us = int64_t{tv.tv_sec} * 1000000 + tv.tv_usec;
  }
  auto hc = std::make_unique<HepContext>();
  hc->version = v.version;
  hc->net = net;
  hc->packet = ToPacket(v);
  ctx.hep = std::move(hc);
  for (const auto& cb : callbacks_) cb(ctx);
  return true;
}

}  // namespace sipcapd::hep
