// SIP header names and typed header bodies. Header names are recognised
// case-insensitively in full and compact form (RFC 3261 §7.3.3 and the
// registered compact forms: i m f t v l c k s e o r u x y b a j d n).
// Typed parsers are pure functions over one header value (or one element
// of a comma list); results hold string_views into that text. Each returns
// nullptr on success or a static reason string. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/sip/uri.h"

namespace sipcapd::sip {

enum class HeaderType : uint8_t {
  kOther = 0,
  kVia,
  kFrom,
  kTo,
  kCallId,
  kCSeq,
  kContact,
  kContentLength,
  kContentType,
  kMaxForwards,
  kRoute,
  kRecordRoute,
  kUserAgent,
  kServer,
  kPAssertedIdentity,
  kPPreferredIdentity,
  kRemotePartyId,
  kDiversion,
  kAuthorization,
  kProxyAuthorization,
  kWwwAuthenticate,
  kProxyAuthenticate,
  kReason,
  kEvent,
  kAllow,
  kSupported,
  kRequire,
  kProxyRequire,
  kUnsupported,
  kSubject,
  kContentEncoding,
  kReferTo,
  kReferredBy,
  kAllowEvents,
  kSessionExpires,
  kIdentity,
  kAcceptContact,
  kRejectContact,
  kRequestDisposition,
  kIdentityInfo,
  kExpires,
  kAccept,
  kDate,
  kPrivacy,
  kCount,  // number of types
};

// Type of a header name (full or compact, any case); kOther if unknown.
HeaderType LookupHeader(std::string_view name);
// Canonical full name ("Call-ID"); "" for kOther.
std::string_view HeaderName(HeaderType t);

// One element of a Via header (a header line may hold several, comma separated).
struct ViaBody {
  std::string_view raw;        // the whole via-parm text
  std::string_view protocol;   // "SIP"
  std::string_view version;    // "2.0"
  std::string_view transport;  // "UDP", "TCP", "TLS", "SCTP", ...
  std::string_view host;       // IPv6 keeps brackets
  uint16_t port = 0;           // 0 when absent
  std::string_view params;     // raw ";branch=...;rport" or empty
  std::string_view branch, received, maddr, ttl, rport_value;
  bool has_rport = false;    // ";rport" with or without value
  std::string_view comment;  // trailing "(...)" if any
  std::optional<std::string_view> Param(std::string_view name) const;
};
const char* ParseVia(std::string_view text, ViaBody* out);

// name-addr / addr-spec with header parameters: From, To, Contact, Route,
// Record-Route, P-Asserted-Identity, Remote-Party-ID, Diversion, Refer-To ...
struct NameAddr {
  std::string_view raw;
  std::string_view display;   // unquoted display name (may be empty)
  std::string_view uri_text;  // inside <...> or the bare addr-spec
  Uri uri;                    // parsed uri_text
  std::string_view params;    // header params after the address (";tag=...")
  std::string_view tag;       // "tag" param (From/To)
  bool star = false;          // Contact: "*"
  std::optional<std::string_view> Param(std::string_view name) const;
};
const char* ParseNameAddr(std::string_view text, NameAddr* out);

struct CSeqBody {
  uint32_t number = 0;
  std::string_view method;
};
const char* ParseCSeq(std::string_view text, CSeqBody* out);

// Authorization / Proxy-Authorization / WWW-Authenticate credentials.
struct AuthBody {
  std::string_view scheme;  // "Digest"
  std::string_view params;  // raw comma-separated auth params
  std::string_view username, realm, nonce, uri, response, algorithm, cnonce, qop, nc, opaque;
  // Any param by name, unquoted; nullopt if absent.
  std::optional<std::string_view> Param(std::string_view name) const;
  // User part of username ("alice" of "alice@example.com").
  std::string_view UsernameUser() const;
};
const char* ParseAuth(std::string_view text, AuthBody* out);

struct ContentTypeBody {
  std::string_view type, subtype, params;
};
const char* ParseContentType(std::string_view text, ContentTypeBody* out);

// Reason: protocol ;cause=N ;text="..."
struct ReasonBody {
  std::string_view protocol;
  std::string_view params;
  int cause = -1;
  std::string_view text;  // unquoted
};
const char* ParseReason(std::string_view text, ReasonBody* out);

// Event: package[.template] ;id=...
struct EventBody {
  std::string_view package, id, params;
};
const char* ParseEvent(std::string_view text, EventBody* out);

}  // namespace sipcapd::sip
