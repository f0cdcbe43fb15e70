// Max-Forwards processing (RFC 3261 §16.6 step 3) on a MsgContext.
#pragma once

#include "core/msg/msg_context.h"

namespace sipcapd::maxfwd {

// OpenSIPS return codes: 2 header added with `max`; 1 decremented (a value
// above `limit` is first lowered to `limit`); -1 the value is 0; -2 error
// (not a request, bad header value).
int ProcessMaxFwd(MsgContext& ctx, int max, int limit);

}  // namespace sipcapd::maxfwd
