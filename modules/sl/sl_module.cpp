// sl: stateless replies. sl_send_reply(code, reason), sl_reply_error().
#include <memory>

#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"
#include "modules/sl/sl_funcs.h"

namespace sipcapd::sl {
namespace {

struct State {
  proxy::ProxyCore* core = nullptr;
  Stat sent_replies, sent_err_replies;
};

ModuleExports* Create() {
  auto* m = new ModuleExports;
  auto st = std::make_shared<State>();
  m->name = "sl";
  m->state = st;
  m->stats = {{"sent_replies", &st->sent_replies}, {"sent_err_replies", &st->sent_err_replies}};
  m->init = [st](Registrar& reg) -> Status {
    st->core = reg.Service<proxy::ProxyCore>(proxy::kProxyCoreService);
    return st->core ? Status::Ok() : Status::NotFound("core service ProxyCore/1 missing");
  };
  const uint32_t mask = kRequestRoute | kFailureRoute | kBranchRoute | kErrorRoute;
  FunctionExport send;
  send.name = "sl_send_reply";
  ArgSpec code{ArgType::kAny};
  code.fixup = [](const Value& c, std::any& out) -> Status {
    int v = CodeArg(c);
    if (v < 0) return Status::Invalid("reply code must be 100..699");
    out = v;
    return Status::Ok();
  };
  send.args = {code, ArgSpec{ArgType::kStr}};
  send.route_mask = mask;
  send.fn = [st](MsgContext& ctx, const CallArgs& a) -> int {
    const int* fixed = a.FixedAs<int>(0);
    int c = fixed ? *fixed : CodeArg(a.Get(0));
    if (c < 0) return -1;
    int rc = SendStatelessReply(*st->core, ctx, c, a.Str(1));
    if (rc > 0) st->sent_replies.Inc();
    if (rc > 0 && c >= 300) st->sent_err_replies.Inc();
    return rc;
  };
  FunctionExport err;
  err.name = "sl_reply_error";
  err.route_mask = mask;
  err.fn = [st](MsgContext& ctx, const CallArgs&) -> int {
    int rc = ReplyError(*st->core, ctx);
    if (rc > 0) {
      st->sent_replies.Inc();
      st->sent_err_replies.Inc();
    }
    return rc;
  };
  m->functions = {send, err};
  return m;
}

}  // namespace
}  // namespace sipcapd::sl

SIPCAPD_MODULE("sl", ::sipcapd::sl::Create);
