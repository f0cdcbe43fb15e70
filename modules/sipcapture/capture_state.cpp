#include "modules/sipcapture/capture_state.h"

#include <chrono>

#include "core/base/log.h"
#include "core/sip/msg_helpers.h"
#include "modules/sipcapture/capture_row.h"

namespace sipcapd::sipcapture {
namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Proto InnerProto(uint8_t ip_proto) {
  switch (ip_proto) {
    case 6: return Proto::kTcp;
    case 22: return Proto::kTls;
    case 50: return Proto::kWs;
    case 132: return Proto::kSctp;
    default: return Proto::kUdp;
  }
}

}  // namespace

int State::SipCapture(MsgContext& ctx, const std::string& table, const std::string custom[3]) {
  if (!capture_on.load(std::memory_order_relaxed)) {
    capture_off_drops.Inc();
    return -1;
  }
  HepView hv;
  bool is_hep = Hep(ctx, &hv);
  SipCaptureInput in;
  std::shared_ptr<sip::Message> own;
  if (is_hep && hv.pkt->payload != ctx.buf) {
    own = sip::Message::Parse(hv.pkt->payload);
    in.msg = own.get();
  } else {
    in.msg = sip::Parsed(ctx);
  }
  in.payload = is_hep ? std::string_view(hv.pkt->payload) : std::string_view(ctx.buf);
  in.hep = is_hep ? &hv : nullptr;
  in.rcv = &ctx.rcv;
  in.now_us = ctx.recv_time_us ? ctx.recv_time_us : NowUs();
  for (int i = 0; i < 3; ++i) in.custom[i] = custom[i];
  db::Row row = BuildSipRow(cfg, in);
  int type = row.values[34].i;
  Status st = store.Enqueue(TableKind::kSip, table, std::move(row));
  if (!st.ok()) {
    db_drops.Inc();
    LOG_ERR("sipcapture", "sip_capture(%s): %s", table.c_str(), st.message().c_str());
    return -1;
  }
  (type == 1 ? captured_requests : type == 2 ? captured_replies : captured_other).Inc();
  return 1;
}

int State::ReportCapture(MsgContext& ctx, const std::string& table, const std::string& corr,
                         int proto_type) {
  HepView hv;
  if (!Hep(ctx, &hv)) {
    not_hep_drops.Inc();
    LOG_WARN("sipcapture", "report_capture: not a HEP message");
    return -1;
  }
  if (corr.empty()) {
    LOG_WARN("sipcapture", "report_capture: empty correlation id");
    return -1;
  }
  db::Row row =
      BuildReportRow(cfg, hv, corr, proto_type, ctx.recv_time_us ? ctx.recv_time_us : NowUs());
  Status st = store.Enqueue(TableKind::kReport, table, std::move(row));
  if (!st.ok()) {
    db_drops.Inc();
    LOG_ERR("sipcapture", "report_capture(%s): %s", table.c_str(), st.message().c_str());
    return -1;
  }
  return 1;
}

void State::NonSip(MsgContext& ctx, const HepView& hv) {
  if (!cfg.store_non_sip || !capture_on.load(std::memory_order_relaxed) || !store.started()) {
    non_sip_dropped.Inc();
    return;
  }
  NonSipKind k = ClassifyNonSip(hv.pkt->proto_type);
  const std::string& table = k == NonSipKind::kRtcp   ? cfg.rtcp_table_name
                             : k == NonSipKind::kLogs ? cfg.logs_table_name
                                                      : cfg.report_table_name;
  db::Row row = BuildReportRow(cfg, hv, hv.pkt->correlation_id, -1,
                               ctx.recv_time_us ? ctx.recv_time_us : NowUs());
  if (store.Enqueue(TableKind::kReport, table, std::move(row)).ok()) {
    non_sip_stored.Inc();
  } else {
    non_sip_dropped.Inc();
  }
}

void State::RunSip(MsgContext& ctx, const HepView& hv) {
  const hep::Packet& p = *hv.pkt;
  ctx.buf = p.payload;
  ctx.sip.reset();
  ctx.rcv.src.ip = p.src_ip;
  ctx.rcv.src.port = p.src_port;
  ctx.rcv.dst.ip = p.dst_ip;
  ctx.rcv.dst.port = p.dst_port;
  ctx.rcv.proto = InnerProto(p.ip_proto);
  reg->script().ReceiveSip(ctx);
}

void State::OnRaw(RawUdp& u, int64_t now_us) {
  MsgContext ctx;
  ctx.buf = std::move(u.payload);
  ctx.rcv.src = u.src;
  ctx.rcv.dst = u.dst;
  ctx.rcv.proto = Proto::kUdp;
  ctx.rcv.listener = "raw";
  ctx.recv_time_us = now_us;
  reg->script().ReceiveSip(ctx);
}

HepVerdict State::OnHep(MsgContext& ctx) {
  HepView hv;
  if (!Hep(ctx, &hv)) return HepVerdict::kDrop;
  bool sip_payload = LooksLikeSip(*hv.pkt);
  switch (cfg.hep_route_mode) {
    case HepRouteMode::kNone: {
      if (!sip_payload) {
        NonSip(ctx, hv);
        return HepVerdict::kConsumed;
      }
      ctx.buf = hv.pkt->payload;
      ctx.sip.reset();
      static const std::string kNoCustom[3];
      SipCapture(ctx, cfg.table_name, kNoCustom);
      return HepVerdict::kConsumed;
    }
    case HepRouteMode::kNamed: {
      ctx.buf = hv.pkt->payload;
      ctx.sip.reset();
      ctx.ext.erase(kResumeKey);
      reg->script().RunRoute(kRequestRoute, cfg.hep_route, ctx);
      if (!ctx.ext.count(kResumeKey)) return HepVerdict::kConsumed;
      ctx.ext.erase(kResumeKey);
      ctx.avps.clear();
      if (!Hep(ctx, &hv)) return HepVerdict::kConsumed;
      if (!LooksLikeSip(*hv.pkt)) {
        NonSip(ctx, hv);
        return HepVerdict::kConsumed;
      }
      RunSip(ctx, hv);
      return HepVerdict::kConsumed;
    }
    case HepRouteMode::kSip:
    default:
      if (!sip_payload) {
        NonSip(ctx, hv);
        return HepVerdict::kConsumed;
      }
      RunSip(ctx, hv);
      return HepVerdict::kConsumed;
  }
}

}  // namespace sipcapd::sipcapture
