// tm: stateful SIP transactions (OpenSIPS 2.4 tm, minimal): t_relay,
// t_newtran, t_reply, t_on_reply/failure/branch, t_check_trans; the TmApi/1
// service. Logic in tm_core.cpp / tm_key.cpp; this file holds the exports.
#include <memory>

#include "core/base/log.h"
#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"
#include "modules/tm/tm_core.h"

namespace sipcapd::tm {
namespace {

struct State {
  TmOptions opts;
  int64_t t1 = 500, t2 = 4000;
  TmStats stats;
  std::unique_ptr<TmCore> core;
};

ArgSpec DestArg() {
  ArgSpec a{ArgType::kStr, true};
  a.fixup = [](const Value& c, std::any& out) -> Status {
    auto d = proxy::ParseDestination(c.str_value());
    if (!d.ok()) return d.status();
    out = *d;
    return Status::Ok();
  };
  return a;
}

int RelayFn(State* s, MsgContext& ctx, const CallArgs& a) {
  if (!a.Has(0)) return s->core->Relay(ctx, nullptr);
  if (const auto* d = a.FixedAs<proxy::Destination>(0)) return s->core->Relay(ctx, d);
  auto d = proxy::ParseDestination(a.Str(0));
  if (!d.ok()) return -1;
  return s->core->Relay(ctx, &*d);
}

FunctionExport RouteSetter(State* s, const char* name, TmCore::RouteKind k, uint32_t kind) {
  ArgSpec r{ArgType::kRoute};
  r.route_kind = kind;
  return {name,
          {r},
          kRequestRoute | kFailureRoute | kBranchRoute | kOnReplyRoute,
          [s, k](MsgContext& ctx, const CallArgs& a) {
            s->core->SetRoute(ctx, k, a.Str(0));
            return 1;
          },
          nullptr};
}

Status Init(State* s, Registrar& reg) {
  auto* core = reg.Service<proxy::ProxyCore>(proxy::kProxyCoreService);
  if (!core) return Status::Unsupported("tm needs the core's ProxyCore service");
  s->opts.t1_ms = s->t1;
  s->opts.t2_ms = s->t2;
  if (s->opts.fr_timeout_s <= 0 || s->opts.fr_inv_timeout_s <= 0 || s->t1 <= 0 || s->t2 < s->t1)
    return Status::Invalid("tm: timers must be positive and T2_timer >= T1_timer");
  s->core = std::make_unique<TmCore>(s->opts, &reg, core, &s->stats);
  SIPCAPD_RETURN_IF_ERROR(s->core->Attach());
  // Branches leave through the core listeners (no socket of tm's own);
  // name the default UDP one, the source of branches whose request did not
  // come in on a UDP listener of the destination's family.
  for (const auto& l : reg.config().listens)
    if (l.proto == "udp" && !l.host.empty() && l.port != 0) {
      auto a = IpAddr::Parse(l.host);
      if (a && !a->IsAny()) {
        SockAddr sa{*a, l.port};
        LOG_INFO("tm",
                 "downstream socket %s (the core listener; a branch leaves through the "
                 "listener its request came in on when proto and family fit)",
                 sa.ToString().c_str());
        break;
      }
    }
  return reg.PublishService(kTmApiName, static_cast<TmApi*>(s->core.get()));
}

ModuleExports* Create() {
  auto s = std::make_shared<State>();
  State* st = s.get();
  auto* e = new ModuleExports;
  e->name = "tm";
  e->state = s;
  e->deps = {{"proto_udp", false}};
  e->params = {IntParam("fr_timeout", &st->opts.fr_timeout_s),
               IntParam("fr_inv_timeout", &st->opts.fr_inv_timeout_s),
               IntParam("T1_timer", &st->t1), IntParam("T2_timer", &st->t2),
               IntParam("wt_timer", &st->opts.wt_timer_s)};
  const uint32_t req = kRequestRoute | kFailureRoute;
  e->functions.push_back({"t_relay",
                          {DestArg()},
                          req,
                          [st](MsgContext& c, const CallArgs& a) { return RelayFn(st, c, a); },
                          nullptr});
  e->functions.push_back({"t_newtran",
                          {},
                          kRequestRoute,
                          [st](MsgContext& c, const CallArgs&) { return st->core->NewTran(c); },
                          nullptr});
  e->functions.push_back({"t_reply",
                          {ArgSpec{ArgType::kAny}, ArgSpec{ArgType::kStr}},
                          req,
                          [st](MsgContext& c, const CallArgs& a) {
                            Value v = a.Get(0);
                            auto code = v.AsInt();
                            if (!code || *code < 100 || *code > 699) return -1;
                            return st->core->Reply(c, static_cast<int>(*code), a.Str(1));
                          },
                          nullptr});
  e->functions.push_back({"t_check_trans",
                          {},
                          kAllRoutes,
                          [st](MsgContext& c, const CallArgs&) { return st->core->CheckTrans(c); },
                          nullptr});
  e->functions.push_back(RouteSetter(st, "t_on_reply", TmCore::RouteKind::kReply, kOnReplyRoute));
  e->functions.push_back(
      RouteSetter(st, "t_on_failure", TmCore::RouteKind::kFailure, kFailureRoute));
  e->functions.push_back(RouteSetter(st, "t_on_branch", TmCore::RouteKind::kBranch, kBranchRoute));

  e->procs.push_back({"tm", 1, [st](int, const std::atomic<bool>& stop) { st->core->Run(stop); }});
  e->init = [st](Registrar& reg) { return Init(st, reg); };
  TmStats& ts = st->stats;
  e->stats = {{"transactions", &ts.transactions},
              {"relayed_replies", &ts.relayed_replies},
              {"local_replies", &ts.local_replies},
              {"timeouts", &ts.timeouts},
              {"retransmissions", &ts.retransmissions},
              {"absorbed", &ts.absorbed},
              {"inuse_transactions", &ts.inuse_transactions, kStatNoReset}};
  return e;
}

}  // namespace
}  // namespace sipcapd::tm

SIPCAPD_MODULE("tm", sipcapd::tm::Create);
