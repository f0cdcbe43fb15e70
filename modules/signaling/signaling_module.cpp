// signaling: send_reply(code, reason). Without a transaction module (tm is
// not part of sipcapd) the reply is always sent statelessly, as OpenSIPS
// does when no transaction exists.
#include <memory>

#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"
#include "modules/sl/sl_funcs.h"

namespace sipcapd::signaling {
namespace {

struct State {
  proxy::ProxyCore* core = nullptr;
  Stat sent_replies;
};

ModuleExports* Create() {
  auto* m = new ModuleExports;
  auto st = std::make_shared<State>();
  m->name = "signaling";
  m->state = st;
  m->stats = {{"sent_replies", &st->sent_replies}};
  m->init = [st](Registrar& reg) -> Status {
    st->core = reg.Service<proxy::ProxyCore>(proxy::kProxyCoreService);
    return st->core ? Status::Ok() : Status::NotFound("core service ProxyCore/1 missing");
  };
  FunctionExport send;
  send.name = "send_reply";
  ArgSpec code{ArgType::kAny};
  code.fixup = [](const Value& c, std::any& out) -> Status {
    int v = sl::CodeArg(c);
    if (v < 0) return Status::Invalid("reply code must be 100..699");
    out = v;
    return Status::Ok();
  };
  send.args = {code, ArgSpec{ArgType::kStr}};
  send.route_mask = kRequestRoute | kFailureRoute | kBranchRoute | kErrorRoute;
  send.fn = [st](MsgContext& ctx, const CallArgs& a) -> int {
    const int* fixed = a.FixedAs<int>(0);
    int c = fixed ? *fixed : sl::CodeArg(a.Get(0));
    if (c < 0) return -1;
    int rc = sl::SendStatelessReply(*st->core, ctx, c, a.Str(1));
    if (rc > 0) st->sent_replies.Inc();
    return rc;
  };
  m->functions = {send};
  return m;
}

}  // namespace
}  // namespace sipcapd::signaling

SIPCAPD_MODULE("signaling", ::sipcapd::signaling::Create);
