// Framing SIP on a byte stream (RFC 3261 §18.3): a message is the header
// section up to the empty line plus Content-Length bytes of body (no
// Content-Length: empty body). CRLF keep-alives between messages (RFC 5626
// §3.5.1) are reported separately so the caller can skip them. Pure;
// thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace sipcapd::net {

struct SipFrame {
  enum class Kind { kNeedMore, kMessage, kKeepalive, kError } kind = Kind::kNeedMore;
  size_t size = 0;            // bytes of the message / keep-alive at the front
  const char* why = nullptr;  // kError: reason
};

// Looks at the front of `buf`. A first line that cannot start a SIP message
// (no "SIP/2.0" in it), headers longer than `max_headers`, a bad
// Content-Length or a body over `max_body` are errors (the stream cannot be
// resynchronised; close it).
SipFrame FrameSip(std::string_view buf, size_t max_headers = 16384, size_t max_body = 65536);

}  // namespace sipcapd::net
