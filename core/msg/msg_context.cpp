#include "core/msg/msg_context.h"

namespace sipcapd {

const char* RouteTypeName(uint32_t rt) {
  switch (rt) {
    case kRequestRoute: return "request_route";
    case kFailureRoute: return "failure_route";
    case kOnReplyRoute: return "onreply_route";
    case kBranchRoute: return "branch_route";
    case kErrorRoute: return "error_route";
    case kLocalRoute: return "local_route";
    case kStartupRoute: return "startup_route";
    case kTimerRoute: return "timer_route";
    case kEventRoute: return "event_route";
    default: return "route";
  }
}

std::unique_ptr<MsgContext> MsgContext::Clone() const {
  auto c = std::make_unique<MsgContext>();
  c->buf = buf;
  c->rcv = rcv;
  c->recv_time_us = recv_time_us;
  c->route_type = route_type;
  c->flags = flags;
  c->avps = avps;
  c->vars = vars;
  c->last_retcode = last_retcode;
  c->new_ruri = new_ruri;
  c->dst_uri = dst_uri;
  c->ruri_changed = ruri_changed;
  if (hep) c->hep = hep->Clone();
  for (const auto& [k, v] : ext)
    if (v) c->ext[k] = v->Clone();
  return c;
}

}  // namespace sipcapd
