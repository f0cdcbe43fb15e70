#include "core/net/sip_framing.h"

#include <strings.h>

namespace sipcapd::net {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool IsCl(std::string_view name) {
  name = Trim(name);
  return (name.size() == 14 && strncasecmp(name.data(), "Content-Length", 14) == 0) ||
         (name.size() == 1 && (name[0] == 'l' || name[0] == 'L'));
}

}  // namespace

SipFrame FrameSip(std::string_view buf, size_t max_headers, size_t max_body) {
  SipFrame f;
  size_t ka = 0;
  while (ka < buf.size() && (buf[ka] == '\r' || buf[ka] == '\n')) ++ka;
  if (ka > 0) {
    f.kind = SipFrame::Kind::kKeepalive;
    f.size = ka;
    return f;
  }
  size_t eol = buf.find("\r\n");
  std::string_view first = buf.substr(0, eol == std::string_view::npos ? buf.size() : eol);
  bool first_complete = eol != std::string_view::npos;
  if ((first_complete || first.size() > 1024) && first.find("SIP/2.0") == std::string_view::npos) {
    f.kind = SipFrame::Kind::kError;
    f.why = "not a SIP first line";
    return f;
  }
  size_t he = buf.find("\r\n\r\n");
  if (he == std::string_view::npos) {
    if (buf.size() > max_headers) {
      f.kind = SipFrame::Kind::kError;
      f.why = "header section too long";
    }
    return f;
  }
  if (he + 4 > max_headers) {
    f.kind = SipFrame::Kind::kError;
    f.why = "header section too long";
    return f;
  }
  size_t cl = 0;
  bool seen = false;
  size_t pos = eol + 2;
  while (pos < he + 2) {
    size_t e = buf.find("\r\n", pos);
    std::string_view line = buf.substr(pos, e - pos);
    pos = e + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsCl(line.substr(0, colon))) continue;
    std::string_view v = Trim(line.substr(colon + 1));
    if (v.empty() || v.size() > 9) {
      f.kind = SipFrame::Kind::kError;
      f.why = "bad Content-Length";
      return f;
    }
    size_t n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') {
        f.kind = SipFrame::Kind::kError;
        f.why = "bad Content-Length";
        return f;
      }
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (seen && n != cl) {
      f.kind = SipFrame::Kind::kError;
      f.why = "conflicting Content-Length";
      return f;
    }
    seen = true;
    cl = n;
  }
  if (cl > max_body) {
    f.kind = SipFrame::Kind::kError;
    f.why = "body too large";
    return f;
  }
  size_t total = he + 4 + cl;
  if (buf.size() < total) return f;
  f.kind = SipFrame::Kind::kMessage;
  f.size = total;
  return f;
}

}  // namespace sipcapd::net
