// maxfwd: mf_process_maxfwd_header(max); modparam max_limit (default 256).
#include <memory>

#include "core/module/module_api.h"
#include "modules/maxfwd/maxfwd_funcs.h"

namespace sipcapd::maxfwd {
namespace {

struct State {
  int max_limit = 256;
};

ModuleExports* Create() {
  auto* m = new ModuleExports;
  auto st = std::make_shared<State>();
  m->name = "maxfwd";
  m->state = st;
  m->params = {IntParam("max_limit", &st->max_limit)};
  m->init = [st](Registrar&) -> Status {
    if (st->max_limit < 1 || st->max_limit > 256)
      return Status::Invalid("max_limit must be 1..256");
    return Status::Ok();
  };
  FunctionExport f;
  f.name = "mf_process_maxfwd_header";
  ArgSpec a{ArgType::kInt};
  f.args = {a};
  f.route_mask = kRequestRoute | kFailureRoute | kBranchRoute;
  f.fn = [st](MsgContext& ctx, const CallArgs& args) -> int {
    int64_t max = 0;
    if (!args.GetInt(0, &max) || max < 1 || max > 255) return -2;
    return ProcessMaxFwd(ctx, static_cast<int>(max), st->max_limit);
  };
  m->functions = {f};
  return m;
}

}  // namespace
}  // namespace sipcapd::maxfwd

SIPCAPD_MODULE("maxfwd", ::sipcapd::maxfwd::Create);
