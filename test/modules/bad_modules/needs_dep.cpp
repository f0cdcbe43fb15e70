// Depends on a module that is never loaded.
#include "core/module/module_api.h"

namespace {
sipcapd::ModuleExports* Create() {
  auto* e = new sipcapd::ModuleExports;
  e->name = "needs_dep";
  e->deps = {{"no_such_module", true}};
  return e;
}
}  // namespace

SIPCAPD_MODULE("needs_dep", &Create);
