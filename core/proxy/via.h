// Via handling for stateless proxying (RFC 3261 §16.6, §18.2; RFC 3581):
// building our Via with a stateless branch, stamping received/rport on the
// top Via of a received request, removing our Via from a reply and finding
// where the reply goes next. Pure functions over message text; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/net/address.h"
#include "core/sip/message.h"

namespace sipcapd::proxy {

// Prefix of the branches we generate (magic cookie + "sc").
inline constexpr std::string_view kBranchPrefix = "z9hG4bKsc";

// A branch that is the same for retransmissions of a request (and for a
// CANCEL of an INVITE): derived from the top Via branch when it is RFC 3261
// compliant, else from Call-ID, CSeq number, From tag, R-URI and top Via.
std::string StatelessBranch(const sip::Message& req);

// "Via: SIP/2.0/UDP 1.2.3.4:5060;branch=...\r\n" (IPv6 hosts bracketed).
std::string BuildViaLine(std::string_view transport, const SockAddr& sent_by,
                         std::string_view branch);

// Returns the request text with ";received=" (when the top Via host is not
// the source IP) and ";rport=<port>" (when the top Via asks for it, or
// always when `force_rport`) on the top Via. Returns `buf` unchanged when
// nothing is needed. Error if the request has no parsable Via.
Result<std::string> StampTopVia(std::string_view buf, const SockAddr& src, bool force_rport);

// Inserts `via_line` before the first Via header (or after the first line
// when there is none).
std::string InsertVia(std::string_view buf, std::string_view via_line);

// Removes the first via-parm (the whole header line when it is the only one
// in it). Error when the message has no Via.
Result<std::string> RemoveTopVia(std::string_view buf);

// Where a reply goes according to a via-parm: received (else host), rport
// value (else port, else 5060/5061 for TLS), and the Via transport.
struct ViaTarget {
  std::string transport;  // upper case as written, e.g. "UDP"
  std::string host;       // no brackets
  uint16_t port = 5060;
};
Result<ViaTarget> TargetOfVia(const sip::ViaBody& via);

}  // namespace sipcapd::proxy
