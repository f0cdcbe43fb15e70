// SIP/SIPS/TEL URI parsing (RFC 3261 §19.1, RFC 3966 basics). The parser is
// a pure function: a Uri holds string_views into the caller's text, which
// must outlive it. Other schemes (e.g. "isbn:...", "urn:...") parse as
// UriScheme::kOther with only scheme and opaque part set. No allocation on
// the success path. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/base/status.h"

namespace sipcapd::sip {

enum class UriScheme : uint8_t { kSip, kSips, kTel, kOther };

struct Uri {
  UriScheme scheme = UriScheme::kSip;
  std::string_view raw;          // the whole URI text
  std::string_view scheme_text;  // "sip", "SIPS", "tel", "isbn"
  std::string_view user;         // escaped as written; tel: the number
  std::string_view password;
  std::string_view host;  // IPv6 keeps its brackets: "[2001:db8::1]"
  std::string_view port_text;
  uint16_t port = 0;         // 0 when absent
  std::string_view params;   // ";transport=tcp;lr" (starts at ';') or empty
  std::string_view headers;  // after '?', without it
  std::string_view opaque;   // kOther: everything after "scheme:"
  bool has_user = false;     // "user@" present (user may still be empty)
  bool has_password = false;

  bool ipv6() const { return !host.empty() && host.front() == '['; }
  // Value of a URI parameter (case-insensitive name); empty view for a flag
  // parameter like ";lr"; nullopt if absent.
  std::optional<std::string_view> Param(std::string_view name) const;
  std::string_view Transport() const;  // "transport" param or empty
};

// Parses `text` (trimmed by the caller; no surrounding <>). On failure
// returns kInvalidArgument with the reason ("bad host", "bad port" ...).
Result<Uri> ParseUri(std::string_view text);

// Non-allocating form used on the packet path: fills *out and returns
// nullptr, or returns a static reason string on failure.
const char* ParseUriInto(std::string_view text, Uri* out);

}  // namespace sipcapd::sip
