// The core SIP pseudo-variables (OpenSIPS 2.4 names and semantics):
//   $ru $rU $rd $rp $du $rm $rs $rr $si $sp $Ri $Rp $pr $proto $ci $cs $ua
//   $fu $fU $fd $ft $tu $tU $td $tt $hdr(name)[n] $mb $ml $rb $ct $ai $re $di
// Getters parse ctx.buf lazily (sip::Parsed) and return null when the value
// does not exist (no such header, $rs on a request, ...). $ru $rU $rd $rp
// $du are writable: they update ctx.new_ruri / ctx.ruri_changed /
// ctx.dst_uri, and later reads see the rewritten value. Registered on the
// main thread before the registry is frozen; the PV functions themselves
// are stateless and safe to call from any worker on its own MsgContext.
#pragma once

#include "core/module/registry.h"

namespace sipcapd::sip {

// Registers every PV above with owner "core".
Status RegisterSipPvs(Registry& registry);

}  // namespace sipcapd::sip
