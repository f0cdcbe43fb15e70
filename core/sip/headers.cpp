#include "core/sip/headers.h"

#include <array>

#include "core/sip/scan.h"

namespace sipcapd::sip {

namespace {

struct NameEntry {
  std::string_view name;
  HeaderType type;
};

constexpr NameEntry kNames[] = {
    {"Via", HeaderType::kVia},
    {"From", HeaderType::kFrom},
    {"To", HeaderType::kTo},
    {"Call-ID", HeaderType::kCallId},
    {"CSeq", HeaderType::kCSeq},
    {"Contact", HeaderType::kContact},
    {"Content-Length", HeaderType::kContentLength},
    {"Content-Type", HeaderType::kContentType},
    {"Max-Forwards", HeaderType::kMaxForwards},
    {"Route", HeaderType::kRoute},
    {"Record-Route", HeaderType::kRecordRoute},
    {"User-Agent", HeaderType::kUserAgent},
    {"Server", HeaderType::kServer},
    {"P-Asserted-Identity", HeaderType::kPAssertedIdentity},
    {"P-Preferred-Identity", HeaderType::kPPreferredIdentity},
    {"Remote-Party-ID", HeaderType::kRemotePartyId},
    {"Diversion", HeaderType::kDiversion},
    {"Authorization", HeaderType::kAuthorization},
    {"Proxy-Authorization", HeaderType::kProxyAuthorization},
    {"WWW-Authenticate", HeaderType::kWwwAuthenticate},
    {"Proxy-Authenticate", HeaderType::kProxyAuthenticate},
    {"Reason", HeaderType::kReason},
    {"Event", HeaderType::kEvent},
    {"Allow", HeaderType::kAllow},
    {"Supported", HeaderType::kSupported},
    {"Require", HeaderType::kRequire},
    {"Proxy-Require", HeaderType::kProxyRequire},
    {"Unsupported", HeaderType::kUnsupported},
    {"Subject", HeaderType::kSubject},
    {"Content-Encoding", HeaderType::kContentEncoding},
    {"Refer-To", HeaderType::kReferTo},
    {"Referred-By", HeaderType::kReferredBy},
    {"Allow-Events", HeaderType::kAllowEvents},
    {"Session-Expires", HeaderType::kSessionExpires},
    {"Identity", HeaderType::kIdentity},
    {"Accept-Contact", HeaderType::kAcceptContact},
    {"Reject-Contact", HeaderType::kRejectContact},
    {"Request-Disposition", HeaderType::kRequestDisposition},
    {"Identity-Info", HeaderType::kIdentityInfo},
    {"Expires", HeaderType::kExpires},
    {"Accept", HeaderType::kAccept},
    {"Date", HeaderType::kDate},
    {"Privacy", HeaderType::kPrivacy},
};

HeaderType CompactType(char c) {
  switch (ToLower(c)) {
    case 'i': return HeaderType::kCallId;
    case 'm': return HeaderType::kContact;
    case 'f': return HeaderType::kFrom;
    case 't': return HeaderType::kTo;
    case 'v': return HeaderType::kVia;
    case 'l': return HeaderType::kContentLength;
    case 'c': return HeaderType::kContentType;
    case 'k': return HeaderType::kSupported;
    case 's': return HeaderType::kSubject;
    case 'e': return HeaderType::kContentEncoding;
    case 'o': return HeaderType::kEvent;
    case 'r': return HeaderType::kReferTo;
    case 'u': return HeaderType::kAllowEvents;
    case 'x': return HeaderType::kSessionExpires;
    case 'y': return HeaderType::kIdentity;
    case 'b': return HeaderType::kReferredBy;
    case 'a': return HeaderType::kAcceptContact;
    case 'j': return HeaderType::kRejectContact;
    case 'd': return HeaderType::kRequestDisposition;
    case 'n': return HeaderType::kIdentityInfo;
    default: return HeaderType::kOther;
  }
}

// Reads a token at the start of s (after whitespace); advances s.
std::string_view TakeToken(std::string_view* s) {
  size_t i = 0;
  while (i < s->size() && IsWs((*s)[i])) ++i;
  size_t b = i;
  while (i < s->size() && IsTokenChar((*s)[i])) ++i;
  std::string_view t = s->substr(b, i - b);
  s->remove_prefix(i);
  return t;
}

bool TakeChar(std::string_view* s, char c) {
  size_t i = 0;
  while (i < s->size() && IsWs((*s)[i])) ++i;
  if (i >= s->size() || (*s)[i] != c) return false;
  s->remove_prefix(i + 1);
  return true;
}

bool CheckParams(std::string_view raw) {
  ParamIter it(raw);
  std::string_view n, v;
  bool hv;
  while (it.Next(&n, &v, &hv)) {
    if (n.empty()) return false;
    for (char c : n)
      if (!IsTokenChar(c)) return false;
    if (hv && v.empty()) return false;
    if (hv && v.front() == '"' && (v.size() < 2 || v.back() != '"')) return false;
  }
  return true;
}

}  // namespace

HeaderType LookupHeader(std::string_view name) {
  if (name.size() == 1) return CompactType(name[0]);
  for (const auto& e : kNames)
    if (e.name.size() == name.size() && ToLower(e.name[0]) == ToLower(name[0]) &&
        EqualsNoCase(e.name, name))
      return e.type;
  return HeaderType::kOther;
}

std::string_view HeaderName(HeaderType t) {
  for (const auto& e : kNames)
    if (e.type == t) return e.name;
  return {};
}

std::optional<std::string_view> ViaBody::Param(std::string_view name) const {
  return FindParam(params, name);
}

const char* ParseVia(std::string_view text, ViaBody* out) {
  *out = ViaBody();
  text = TrimWs(text);
  out->raw = text;
  std::string_view s = text;
  out->protocol = TakeToken(&s);
  if (out->protocol.empty() || !TakeChar(&s, '/')) return "bad Via protocol";
  out->version = TakeToken(&s);
  if (out->version.empty() || !TakeChar(&s, '/')) return "bad Via version";
  out->transport = TakeToken(&s);
  if (out->transport.empty()) return "bad Via transport";
  if (s.empty() || !IsWs(s.front())) return "missing Via sent-by";
  s = TrimWs(s);
  size_t hend;
  if (!s.empty() && s.front() == '[') {
    hend = s.find(']');
    if (hend == std::string_view::npos) return "bad Via IPv6 host";
    ++hend;
  } else {
    hend = 0;
    while (hend < s.size() && (IsAlpha(s[hend]) || IsDigit(s[hend]) || s[hend] == '-' ||
                               s[hend] == '.' || s[hend] == '_'))
      ++hend;
  }
  out->host = s.substr(0, hend);
  if (out->host.empty()) return "bad Via host";
  s.remove_prefix(hend);
  if (TakeChar(&s, ':')) {
    size_t i = 0;
    while (i < s.size() && IsWs(s[i])) ++i;
    size_t b = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    auto p = ParseUint(s.substr(b, i - b), 65535);
    if (!p) return "bad Via port";
    out->port = static_cast<uint16_t>(*p);
    s.remove_prefix(i);
  }
  s = TrimWs(s);
  size_t cm = FindTopLevel(s, '(');
  if (cm != std::string_view::npos) {
    if (s.back() != ')') return "bad Via comment";
    out->comment = s.substr(cm);
    s = TrimWs(s.substr(0, cm));
  }
  if (!s.empty() && s.front() != ';') return "garbage after Via sent-by";
  out->params = s;
  ParamIter it(s);
  std::string_view n, v;
  bool hv;
  while (it.Next(&n, &v, &hv)) {
    if (n.empty()) return "empty Via parameter";
    if (hv && v.empty()) return "empty Via parameter value";
    if (EqualsNoCase(n, "branch"))
      out->branch = v;
    else if (EqualsNoCase(n, "received"))
      out->received = v;
    else if (EqualsNoCase(n, "maddr"))
      out->maddr = v;
    else if (EqualsNoCase(n, "ttl"))
      out->ttl = v;
    else if (EqualsNoCase(n, "rport")) {
      out->has_rport = true;
      out->rport_value = v;
      if (hv && !ParseUint(v, 65535)) return "bad Via rport";
    }
  }
  if (!out->ttl.empty() && !ParseUint(out->ttl, 255)) return "bad Via ttl";
  return nullptr;
}

std::optional<std::string_view> NameAddr::Param(std::string_view name) const {
  return FindParam(params, name);
}

const char* ParseNameAddr(std::string_view text, NameAddr* out) {
  *out = NameAddr();
  text = TrimWs(text);
  out->raw = text;
  if (text.empty()) return "empty address";
  if (text == "*") {
    out->star = true;
    return nullptr;
  }
  std::string_view after;
  if (text.front() == '"') {
    size_t i = 1;
    for (; i < text.size(); ++i) {
      if (text[i] == '\\') {
        ++i;
        continue;
      }
      if (text[i] == '"') break;
    }
    if (i >= text.size()) return "unterminated quoted display name";
    out->display = text.substr(1, i - 1);
    std::string_view r = TrimWs(text.substr(i + 1));
    if (r.empty() || r.front() != '<') return "quoted display name without <URI>";
    after = r;
  } else {
    size_t lt = text.find('<');
    if (lt != std::string_view::npos) {
      out->display = TrimWs(text.substr(0, lt));
      for (char c : out->display)
        if (!IsTokenChar(c) && !IsWs(c)) return "invalid character in display name";
      after = text.substr(lt);
    }
  }
  if (!after.empty()) {
    size_t gt = after.find('>');
    if (gt == std::string_view::npos) return "unterminated <URI>";
    out->uri_text = TrimWs(after.substr(1, gt - 1));
    std::string_view r = TrimWs(after.substr(gt + 1));
    if (!r.empty() && r.front() != ';') return "garbage after <URI>";
    out->params = r;
  } else {
    // addr-spec: URI params cannot be told from header params, so (RFC 3261
    // §20) everything from the first ';' after the host part is header params.
    size_t at = text.find('@');
    size_t semi = text.find(';', at == std::string_view::npos ? 0 : at);
    out->uri_text = TrimWs(text.substr(0, semi));
    if (semi != std::string_view::npos) out->params = text.substr(semi);
    for (char c : out->uri_text)
      if (c == '?' || c == ',' || IsWs(c)) return "addr-spec with reserved characters needs <>";
  }
  if (!CheckParams(out->params)) return "bad header parameter";
  if (const char* why = ParseUriInto(out->uri_text, &out->uri)) return why;
  if (auto t = out->Param("tag")) out->tag = *t;
  return nullptr;
}

const char* ParseCSeq(std::string_view text, CSeqBody* out) {
  *out = CSeqBody();
  std::string_view s = TrimWs(text);
  size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  auto n = ParseUint(s.substr(0, i), 0x7fffffffu);
  if (!n) return "bad CSeq number";
  out->number = static_cast<uint32_t>(*n);
  if (i >= s.size() || !IsWs(s[i])) return "missing CSeq method";
  s.remove_prefix(i);
  out->method = TakeToken(&s);
  if (out->method.empty() || !TrimWs(s).empty()) return "bad CSeq method";
  return nullptr;
}

std::optional<std::string_view> AuthBody::Param(std::string_view name) const {
  ListIter it(params);
  std::string_view e;
  while (it.Next(&e)) {
    size_t eq = e.find('=');
    if (eq == std::string_view::npos) continue;
    if (EqualsNoCase(TrimWs(e.substr(0, eq)), name)) return Unquote(TrimWs(e.substr(eq + 1)));
  }
  return std::nullopt;
}

std::string_view AuthBody::UsernameUser() const {
  size_t at = username.find('@');
  return username.substr(0, at);
}

const char* ParseAuth(std::string_view text, AuthBody* out) {
  *out = AuthBody();
  std::string_view s = TrimWs(text);
  out->scheme = TakeToken(&s);
  if (out->scheme.empty()) return "missing auth scheme";
  out->params = TrimWs(s);
  ListIter it(out->params);
  std::string_view e;
  while (it.Next(&e)) {
    if (e.empty()) continue;
    size_t eq = e.find('=');
    if (eq == std::string_view::npos) return "auth param without value";
    std::string_view n = TrimWs(e.substr(0, eq));
    std::string_view v = TrimWs(e.substr(eq + 1));
    if (n.empty()) return "empty auth param name";
    if (!v.empty() && v.front() == '"' && (v.size() < 2 || v.back() != '"'))
      return "unterminated quoted auth param";
    v = Unquote(v);
    if (EqualsNoCase(n, "username"))
      out->username = v;
    else if (EqualsNoCase(n, "realm"))
      out->realm = v;
    else if (EqualsNoCase(n, "nonce"))
      out->nonce = v;
    else if (EqualsNoCase(n, "uri"))
      out->uri = v;
    else if (EqualsNoCase(n, "response"))
      out->response = v;
    else if (EqualsNoCase(n, "algorithm"))
      out->algorithm = v;
    else if (EqualsNoCase(n, "cnonce"))
      out->cnonce = v;
    else if (EqualsNoCase(n, "qop"))
      out->qop = v;
    else if (EqualsNoCase(n, "nc"))
      out->nc = v;
    else if (EqualsNoCase(n, "opaque"))
      out->opaque = v;
  }
  return nullptr;
}

const char* ParseContentType(std::string_view text, ContentTypeBody* out) {
  *out = ContentTypeBody();
  std::string_view s = TrimWs(text);
  out->type = TakeToken(&s);
  if (out->type.empty() || !TakeChar(&s, '/')) return "bad media type";
  out->subtype = TakeToken(&s);
  if (out->subtype.empty()) return "bad media subtype";
  s = TrimWs(s);
  if (!s.empty() && s.front() != ';') return "garbage after media type";
  if (!CheckParams(s)) return "bad media type parameter";
  out->params = s;
  return nullptr;
}

const char* ParseReason(std::string_view text, ReasonBody* out) {
  *out = ReasonBody();
  std::string_view s = TrimWs(text);
  out->protocol = TakeToken(&s);
  if (out->protocol.empty()) return "missing Reason protocol";
  s = TrimWs(s);
  if (!s.empty() && s.front() != ';') return "garbage after Reason protocol";
  if (!CheckParams(s)) return "bad Reason parameter";
  out->params = s;
  if (auto c = FindParam(s, "cause")) {
    auto n = ParseUint(*c, 65535);
    if (!n) return "bad Reason cause";
    out->cause = static_cast<int>(*n);
  }
  if (auto t = FindParam(s, "text")) out->text = Unquote(*t);
  return nullptr;
}

const char* ParseEvent(std::string_view text, EventBody* out) {
  *out = EventBody();
  std::string_view s = TrimWs(text);
  out->package = TakeToken(&s);
  if (out->package.empty()) return "missing Event package";
  s = TrimWs(s);
  if (!s.empty() && s.front() != ';') return "garbage after Event package";
  if (!CheckParams(s)) return "bad Event parameter";
  out->params = s;
  if (auto id = FindParam(s, "id")) out->id = *id;
  return nullptr;
}

}  // namespace sipcapd::sip
