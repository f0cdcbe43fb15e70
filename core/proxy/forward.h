// Stateless proxying: the SIP receive path used by the SIP transports
// (proto_udp, proto_tcp) and the core function forward().
//
// ProcessSip(): a message that cannot be routed (no first line, no Via,
// unterminated headers, truncated body) is counted in core:bad_msgs and
// dropped. Requests run route{}; they go out only if the script calls
// forward() (or a module replies). Replies run onreply_route (when the cfg
// has one) and, unless it dropped them, go to the reply interceptor (tm's
// transactions, see ProxyCore::SetReplyInterceptor); replies it does not
// take are routed back statelessly: our
// top Via is removed and the reply goes to the next Via's received/rport
// (or host/port) over its transport. Replies whose top Via is not ours are
// dropped.
//
// forward(): destination from the argument ("[proto:]host[:port]" or a
// SIP URI), else $du, else the (possibly rewritten) R-URI. A $ru write is
// applied to the Request-URI; the top Via gets received/rport (RFC 3581,
// rport always for stream transports); our Via with a stateless branch is
// inserted. The context is not modified (forward() may be called twice).
#pragma once

#include <memory>

#include "core/base/stats.h"
#include "core/module/module_api.h"
#include "core/module/registry.h"
#include "core/proxy/proxy_core.h"

namespace sipcapd::proxy {

enum class ProcessResult { kBad, kRequest, kReplyForwarded, kReplyDropped, kReplyTaken };

ProcessResult ProcessSip(ProxyCore& core, ScriptRunner& script, MsgContext& ctx);

// Forwards the request in ctx (or a reply, see ForwardReply). `dest` may be
// null (use $du / R-URI).
Status Forward(ProxyCore& core, MsgContext& ctx, const Destination* dest);

// Where a request goes when the script names no destination: $du if set,
// else the rewritten $ru, else the message's R-URI (shared by forward()
// and tm's t_relay()).
Result<Destination> NextHop(const MsgContext& ctx, const sip::Message& msg);
Status ForwardReply(ProxyCore& core, MsgContext& ctx);

// Creates the ProxyCore, publishes it as kProxyCoreService (owner "core"),
// registers core:* proxy statistics in `stats` (may be null) and the core
// function forward([dest]). Call once at startup before modules load.
Status RegisterProxyExports(Registry& registry, StatsRegistry* stats);

}  // namespace sipcapd::proxy
