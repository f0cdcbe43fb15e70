// Simple message rewriting for the stateless proxy and the header/text
// modules. Edits operate on the raw bytes (MsgContext::buf) and invalidate
// the cached parse (ctx.sip), which is redone lazily: there is no lump list,
// each edit is applied at once, so whatever is forwarded later (forward(),
// sl replies) sees every change made so far. Pure string helpers are
// exposed for unit tests. Thread-safety: same as MsgContext.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/msg/msg_context.h"
#include "core/sip/message.h"

namespace sipcapd::proxy {

// Offset of the empty line that ends the header section (the position a new
// header is inserted at), or npos when the headers are not terminated.
size_t HeadersEnd(std::string_view buf);
// Offset of a view of `m` (which points into m.raw()) inside the raw bytes.
inline size_t OffsetIn(const sip::Message& m, std::string_view v) {
  return static_cast<size_t>(v.data() - m.raw().data());
}
// Rewrites the Content-Length value of `buf` to the real body size (no-op
// when there is no Content-Length header or the headers are unterminated).
void FixContentLength(std::string& buf);
// Replaces the Request-URI of a request in `buf`; error for replies.
Status ReplaceRuri(std::string& buf, std::string_view new_uri);

// --- edits on a context (each resets ctx.sip)
// Appends a header line (a CRLF is added if `text` lacks one) at the end of
// the header section.
Status AppendHeader(MsgContext& ctx, std::string_view text);
// Removes every header with this name (full or compact, any case); returns
// how many were removed (0 if none or unparsable).
int RemoveHeaders(MsgContext& ctx, std::string_view name);
// Replaces ctx.buf with `text`, fixing Content-Length.
void SetBuffer(MsgContext& ctx, std::string text);

}  // namespace sipcapd::proxy
