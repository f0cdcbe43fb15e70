// The script functions and pseudo-variables the core itself provides
// (owner "core"): xlog, log, setflag, resetflag, isflagset; $var, $avp, $Ts,
// $Tf, $time(fmt), $pp, $retcode, $rc. Called once on the main thread while
// the Registry is being filled, before the cfg is compiled.
#pragma once

#include "core/base/status.h"
#include "core/module/registry.h"

namespace sipcapd {

Status RegisterCoreExports(Registry& registry);

}  // namespace sipcapd
