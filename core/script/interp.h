// The tree-walking interpreter over a compiled Program (internal).
#pragma once

#include "core/module/module_api.h"
#include "core/script/program.h"

namespace sipcapd::script {

// Runs one route on ctx as route type `type` and returns its outcome.
ScriptRunner::Outcome RunCompiledRoute(const CRoute& route, uint32_t type, MsgContext& ctx);

}  // namespace sipcapd::script
