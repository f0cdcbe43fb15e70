// MI commands of siptrace: `sip_trace` (2.4, positional) and `trace`
// (3.x tracer, named `id` / `mode`). Replies are JSON bodies shaped so the
// 2.x text renderer prints exactly the 2.4 form:
//   global:: on
//   tid::  type=HEP uri=1.2.3.4:6053 state=on
#pragma once

#include "core/module/module_api.h"
#include "modules/siptrace/tracer.h"

namespace sipcapd::siptrace {

MiResult MiSipTrace(Tracer& t, const MiParams& p);
MiResult MiTrace3x(Tracer& t, const MiParams& p);

}  // namespace sipcapd::siptrace
