// Bridges MsgContext and sip::Message, and the field getters capture and
// tracing (sipcapture's HOMER row, siptrace) and the SIP PVs need. Getters
// return empty views when the header is absent or malformed; views point
// into the Message, valid while it lives. Same threading rules as
// MsgContext (one thread at a time).
#pragma once

#include <string_view>

#include "core/msg/msg_context.h"
#include "core/sip/message.h"

namespace sipcapd::sip {

// Parses ctx.buf into ctx.sip on first use and returns it; nullptr when the
// first line cannot be parsed (ctx.sip still keeps the failed parse so it is
// not retried). Whoever rewrites ctx.buf must reset ctx.sip. A cached parse
// whose size differs from ctx.buf is discarded and redone.
Message* Parsed(MsgContext& ctx);

// Request: method; reply: the CSeq method (OpenSIPS $rm).
std::string_view Method(const Message& m);
std::string_view CallId(const Message& m);
std::string_view FromUri(const Message& m);
std::string_view FromUser(const Message& m);
std::string_view FromDomain(const Message& m);
std::string_view FromTag(const Message& m);
std::string_view ToUri(const Message& m);
std::string_view ToUser(const Message& m);
std::string_view ToDomain(const Message& m);
std::string_view ToTag(const Message& m);
std::string_view CSeqText(const Message& m);  // whole CSeq body "1 INVITE"
std::string_view UserAgent(const Message& m);
std::string_view RuriUser(const Message& m);     // requests only
std::string_view RuriDomain(const Message& m);   // requests only
std::string_view ContactUser(const Message& m);  // first Contact URI user
std::string_view ContactHost(const Message& m);
uint16_t ContactPort(const Message& m);
// Digest username (user part) from Proxy-Authorization, else Authorization.
std::string_view AuthUser(const Message& m);
std::string_view Via1(const Message& m);       // first via-parm text
std::string_view ViaBranch(const Message& m);  // first Via branch
std::string_view PaiUser(const Message& m);    // P-Asserted-Identity, else P-Preferred-Identity
std::string_view RpidUser(const Message& m);
std::string_view DiversionUser(const Message& m);
std::string_view DiversionUri(const Message& m);
std::string_view ReasonText(const Message& m);  // first Reason header body
std::string_view ContentTypeText(const Message& m);
// Value of the first header with this name (any case, compact forms).
std::string_view HeaderValue(const Message& m, std::string_view name);

}  // namespace sipcapd::sip
