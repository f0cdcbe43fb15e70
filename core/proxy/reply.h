// Building stateless replies to a request (RFC 3261 §8.2.6): Via headers
// copied (top one stamped with received/rport as the request was received),
// From, Call-ID, CSeq copied, To copied with a tag added for codes > 100
// when the request had none. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/net/address.h"
#include "core/sip/message.h"

namespace sipcapd::proxy {

// A To-tag that is the same for retransmissions of the request.
std::string StatelessToTag(const sip::Message& req);

// `extra_headers` are complete lines with CRLF, inserted before
// Content-Length. Error when `req` is not a request or lacks Via.
Result<std::string> BuildReply(const sip::Message& req, const SockAddr& src, int code,
                               std::string_view reason, std::string_view extra_headers = {});

}  // namespace sipcapd::proxy
