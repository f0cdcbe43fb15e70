#include "modules/proto_tcp/tcp_trace.h"

#include <cjson/cJSON.h>
#include <strings.h>

#include <random>

#include "core/base/log.h"
#include "modules/proto_hep/hep_api.h"
#include "modules/siptrace/hep_event.h"

namespace sipcapd::proto_tcp {

Status TcpTracer::Init(const TcpTraceOptions& opt, Registrar& reg) {
  if (opt.destination.empty()) {
    if (opt.trace_on)
      LOG_WARN("proto_tcp", "trace_on=1 without trace_destination: connections are not traced");
    return Status::Ok();
  }
  auto* hep = reg.Service<hep::HepApi>(hep::kHepApiName);
  if (!hep) return Status::NotFound("proto_tcp trace_destination needs module proto_hep");
  if (!hep->FindDestination(opt.destination))
    return Status::NotFound("proto_tcp trace_destination: unknown hep_id '" + opt.destination +
                            "'");
  if (!opt.filter_route.empty() && !reg.script().HasRoute(kRequestRoute, opt.filter_route))
    return Status::NotFound("proto_tcp trace_filter_route: no route[" + opt.filter_route +
                            "] in the script");
  hep_ = hep;
  reg_ = &reg;
  dest_ = opt.destination;
  route_ = opt.filter_route;
  on_.store(opt.trace_on != 0);
  std::random_device rd;
  base_ = (uint64_t{rd()} << 32 | rd()) & ~uint64_t{0xffffffff};  // low half counts
  return Status::Ok();
}

bool TcpTracer::Decide(const SockAddr& remote, const SockAddr& local) {
  if (!on()) return false;
  if (route_.empty()) return true;
  MsgContext ctx;
  ctx.rcv.src = remote;
  ctx.rcv.dst = local;
  ctx.rcv.proto = Proto::kTcp;
  ctx.vars = reg_->WorkerVars();
  ctx.route_type = kRequestRoute;
  bool traced = !reg_->script().RunRoute(kRequestRoute, route_, ctx).dropped;
  if (!traced) stats_.filtered.Inc();
  return traced;
}

void TcpTracer::Send(Event ev, bool ok, std::string_view message, const SockAddr& src,
                     const SockAddr& dst, uint64_t correlation) {
  if (!hep_) return;
  static const char* kNames[] = {"ACCEPT", "CONNECT", "CLOSE"};
  hep::Packet p = hep_event::MakeEventPacket(src, dst, hep_event::kIpProtoTcp,
                                             hep_event::kProtoTypeNet, hep_->capture_id());
  hep_event::SetCorrelation(&p, std::to_string(correlation));
  hep_->Encapsulate(&p,
                    {{"Event", kNames[static_cast<int>(ev)]},
                     {"Status", ok ? "SUCCESS" : "FAILURE"},
                     {"Message", std::string(message)}},
                    {});
  if (hep_->Send(dest_, p).ok())
    stats_.events.Inc();
  else
    stats_.dropped.Inc();
}

MiResult MiTcpTrace(TcpTracer& t, const MiParams& p) {
  if (!t.configured()) return MiResult::Error(500, "tracing not configured (trace_destination)");
  if (p.positional.empty() && p.named.empty())
    return MiResult::Ok(JsonPtr(cJSON_CreateString(t.on() ? "on" : "off")));
  const std::string* mode = p.Named("trace_mode");
  std::string m = mode ? *mode : p.positional.empty() ? "" : p.positional[0];
  if (p.positional.size() + p.named.size() != 1)
    return MiResult::Error(400, "Too few or too many arguments");
  if (strcasecmp(m.c_str(), "on") == 0)
    t.SetOn(true);
  else if (strcasecmp(m.c_str(), "off") == 0)
    t.SetOn(false);
  else
    return MiResult::Error(400, "Bad parameter");
  return MiResult::Ok();
}

}  // namespace sipcapd::proto_tcp
