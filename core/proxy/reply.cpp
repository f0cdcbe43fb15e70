#include "core/proxy/reply.h"

#include "core/proxy/via.h"

namespace sipcapd::proxy {

std::string StatelessToTag(const sip::Message& req) {
  // The branch hash covers Call-ID/CSeq/From tag or the client's branch.
  return "sc" + StatelessBranch(req).substr(kBranchPrefix.size());
}

Result<std::string> BuildReply(const sip::Message& req, const SockAddr& src, int code,
                               std::string_view reason, std::string_view extra_headers) {
  if (!req.is_request()) return Status::Invalid("cannot reply to a reply");
  if (code < 100 || code > 699) return Status::Invalid("bad reply code " + std::to_string(code));
  auto stamped = StampTopVia(req.raw(), src, false);
  if (!stamped.ok()) return stamped.status();
  auto m = sip::Message::Parse(*stamped);
  std::string out;
  out.reserve(512 + req.raw().size() / 2);
  out += "SIP/2.0 ";
  out += std::to_string(code);
  out += ' ';
  out += reason;
  out += "\r\n";
  bool has_to_tag = req.To() && !req.To()->tag.empty();
  for (const auto& h : m->headers()) {
    switch (h.type) {
      case sip::HeaderType::kVia:
      case sip::HeaderType::kFrom:
      case sip::HeaderType::kCallId:
      case sip::HeaderType::kCSeq: out += h.raw; break;
      case sip::HeaderType::kTo:
        if (code > 100 && !has_to_tag) {
          out.append(h.name);
          out += ": ";
          out += h.value;
          out += ";tag=" + StatelessToTag(req) + "\r\n";
        } else {
          out += h.raw;
        }
        break;
      default: break;
    }
  }
  if (!out.empty() && out.back() != '\n') out += "\r\n";
  out += "Server: sipcapd\r\n";
  out += extra_headers;
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

}  // namespace sipcapd::proxy
