// Registers a function whose name test_module already uses.
#include "core/module/module_api.h"

namespace {
sipcapd::ModuleExports* Create() {
  auto* e = new sipcapd::ModuleExports;
  e->name = "dup_func";
  e->functions = {
      {"test_ok", {}, sipcapd::kAllRoutes, [](sipcapd::MsgContext&, const sipcapd::CallArgs&) {
         return 1;
       }}};
  return e;
}
}  // namespace

SIPCAPD_MODULE("dup_func", &Create);
