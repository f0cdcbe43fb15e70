// Stateless replies shared by sl and signaling: builds the reply with
// proxy::BuildReply and sends it back with ProxyCore::SendReply.
#pragma once

#include <string_view>

#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"

namespace sipcapd::sl {

// Parses a reply code given as int or text ("200"); -1 if invalid.
int CodeArg(const Value& v);
// Sends "code reason" to the sender of the request in ctx. ACKs are never
// answered (returns 1 without sending). 1 on success, -1 on error.
int SendStatelessReply(proxy::ProxyCore& core, MsgContext& ctx, int code, std::string_view reason);
// The reply for a request that failed: 400 when the request is malformed,
// else 500.
int ReplyError(proxy::ProxyCore& core, MsgContext& ctx);

}  // namespace sipcapd::sl
