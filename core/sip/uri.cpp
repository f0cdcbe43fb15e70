#include "core/sip/uri.h"

#include <string>

#include "core/sip/scan.h"

namespace sipcapd::sip {

std::optional<std::string_view> Uri::Param(std::string_view name) const {
  return FindParam(params, name);
}

std::string_view Uri::Transport() const {
  auto t = Param("transport");
  return t ? *t : std::string_view();
}

namespace {

bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Rejects whitespace, controls, <>"\ and malformed %-escapes.
bool CheckUriChars(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\') return false;
    if (c == '%') {
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
      i += 2;
    }
  }
  return true;
}

bool CheckHostName(std::string_view h) {
  if (h.empty()) return false;
  for (char c : h)
    if (!(IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_')) return false;
  return true;
}

bool CheckIpv6Ref(std::string_view h) {
  if (h.size() < 4 || h.front() != '[' || h.back() != ']') return false;
  for (char c : h.substr(1, h.size() - 2))
    if (!(IsHex(c) || c == ':' || c == '.')) return false;
  return true;
}

bool CheckScheme(std::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return false;
  for (char c : s)
    if (!(IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

const char* ParseUriInto(std::string_view text, Uri* out) {
  *out = Uri();
  out->raw = text;
  if (text.empty()) return "empty URI";
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return "no scheme";
  out->scheme_text = text.substr(0, colon);
  if (!CheckScheme(out->scheme_text)) return "bad scheme";
  std::string_view rest = text.substr(colon + 1);
  if (!CheckUriChars(rest)) return "invalid character in URI";
  if (EqualsNoCase(out->scheme_text, "sip")) {
    out->scheme = UriScheme::kSip;
  } else if (EqualsNoCase(out->scheme_text, "sips")) {
    out->scheme = UriScheme::kSips;
  } else if (EqualsNoCase(out->scheme_text, "tel")) {
    out->scheme = UriScheme::kTel;
    size_t semi = rest.find(';');
    out->user = rest.substr(0, semi);
    out->has_user = true;
    if (out->user.empty()) return "empty tel number";
    if (semi != std::string_view::npos) out->params = rest.substr(semi);
    return nullptr;
  } else {
    out->scheme = UriScheme::kOther;
    out->opaque = rest;
    if (rest.empty()) return "empty URI body";
    return nullptr;
  }

  // sip / sips: [userinfo@]hostport[;params][?headers]
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    size_t pc = userinfo.find(':');
    out->has_user = true;
    if (pc != std::string_view::npos) {
      out->user = userinfo.substr(0, pc);
      out->password = userinfo.substr(pc + 1);
      out->has_password = true;
    } else {
      out->user = userinfo;
    }
    if (out->user.empty()) return "empty user";
    rest.remove_prefix(at + 1);
  }
  size_t hend;
  if (!rest.empty() && rest.front() == '[') {
    size_t rb = rest.find(']');
    if (rb == std::string_view::npos) return "unterminated IPv6 reference";
    out->host = rest.substr(0, rb + 1);
    if (!CheckIpv6Ref(out->host)) return "bad IPv6 reference";
    hend = rb + 1;
  } else {
    hend = rest.find_first_of(":;?");
    if (hend == std::string_view::npos) hend = rest.size();
    out->host = rest.substr(0, hend);
    if (!CheckHostName(out->host)) return "bad host";
  }
  rest.remove_prefix(hend);
  if (!rest.empty() && rest.front() == ':') {
    size_t pend = rest.find_first_of(";?");
    if (pend == std::string_view::npos) pend = rest.size();
    out->port_text = rest.substr(1, pend - 1);
    auto p = ParseUint(out->port_text, 65535);
    if (!p || out->port_text.size() != TrimWs(out->port_text).size()) return "bad port";
    out->port = static_cast<uint16_t>(*p);
    rest.remove_prefix(pend);
  }
  size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    out->headers = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!rest.empty()) {
    if (rest.front() != ';') return "garbage after host";
    out->params = rest;
    ParamIter it(rest);
    std::string_view n, v;
    bool hv;
    while (it.Next(&n, &v, &hv))
      if (n.empty()) return "empty URI parameter";
  }
  return nullptr;
}

Result<Uri> ParseUri(std::string_view text) {
  Uri u;
  if (const char* why = ParseUriInto(text, &u)) return Status::Invalid(std::string(why));
  return u;
}

}  // namespace sipcapd::sip
