// A module stamped with a wrong ABI version: the loader must refuse it
// without calling create().
#include <cstdlib>

#include "core/module/module_api.h"

namespace {
sipcapd::ModuleExports* Create() { std::abort(); }
}  // namespace

extern "C" __attribute__((visibility("default")))
const sipcapd::ModuleHeader sipcapd_module = {999, SIPCAPD_BUILD_SIGNATURE, "bad_abi", &Create};
