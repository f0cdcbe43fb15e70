#include "core/proxy/via.h"

#include <strings.h>

#include <charconv>
#include <cstdio>
#include <functional>

#include "core/proxy/msg_edit.h"

namespace sipcapd::proxy {
namespace {

// FNV-1a, 64 bit: stable across runs and processes.
uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h ^ 0xff;  // separator so ("ab","c") != ("a","bc")
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string StripBrackets(std::string_view h) {
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return std::string(h);
}

}  // namespace

std::string StatelessBranch(const sip::Message& req) {
  uint64_t h = 1469598103934665603ull;
  const sip::ViaBody* v = req.FirstVia();
  if (v && v->branch.size() > 7 && strncasecmp(v->branch.data(), "z9hG4bK", 7) == 0) {
    h = Fnv(h, v->branch);
    h = Fnv(h, v->host);
  } else {
    h = Fnv(h, req.CallId());
    if (const auto* cs = req.CSeq()) h = Fnv(h, std::to_string(cs->number));
    if (const auto* f = req.From()) h = Fnv(h, f->tag);
    h = Fnv(h, req.ruri());
    if (v) h = Fnv(h, v->raw);
  }
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string(kBranchPrefix) + hex;
}

std::string BuildViaLine(std::string_view transport, const SockAddr& sent_by,
                         std::string_view branch) {
  std::string s = "Via: SIP/2.0/";
  s += transport;
  s += ' ';
  s += sent_by.ToString();
  s += ";branch=";
  s += branch;
  s += "\r\n";
  return s;
}

Result<std::string> StampTopVia(std::string_view buf, const SockAddr& src, bool force_rport) {
  auto m = sip::Message::Parse(buf);
  const sip::ViaBody* v = m->FirstVia();
  if (!v) return Status::Invalid("no parsable Via");
  auto via_ip = IpAddr::Parse(v->host);
  bool need_received = !(via_ip && *via_ip == src.ip);
  bool need_rport = force_rport || (v->has_rport && v->rport_value.empty());
  if (!need_received && !need_rport) return std::string(buf);
  // Rebuild the parameter list without received / valueless rport.
  std::string params;
  std::string_view p = v->params;
  while (!p.empty()) {
    if (p.front() == ';') p.remove_prefix(1);
    size_t e = p.find(';');
    std::string_view item = p.substr(0, e);
    p = e == std::string_view::npos ? std::string_view() : p.substr(e);
    std::string_view name = item.substr(0, item.find('='));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    if (name.empty()) continue;
    if (need_received && IEquals(name, "received")) continue;
    if (need_rport && IEquals(name, "rport")) continue;
    params += ';';
    params += item;
  }
  if (need_received) params += ";received=" + src.ip.ToString();
  if (need_rport) params += ";rport=" + std::to_string(src.port);
  size_t start, len;
  if (!v->params.empty()) {
    start = OffsetIn(*m, v->params);
    len = v->params.size();
  } else {
    // No params: insert after sent-by (before a comment, if any).
    std::string_view body = v->raw;
    if (!v->comment.empty())
      body = body.substr(0, static_cast<size_t>(v->comment.data() - body.data()));
    while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);
    start = OffsetIn(*m, body) + body.size();
    len = 0;
  }
  std::string out(buf);
  out.replace(start, len, params);
  return out;
}

std::string InsertVia(std::string_view buf, std::string_view via_line) {
  auto m = sip::Message::Parse(buf);
  size_t at;
  if (const sip::Header* h = m->Find(sip::HeaderType::kVia)) {
    at = OffsetIn(*m, h->raw);
  } else {
    size_t e = buf.find('\n');
    at = e == std::string_view::npos ? buf.size() : e + 1;
  }
  std::string out;
  out.reserve(buf.size() + via_line.size());
  out.append(buf.substr(0, at));
  out.append(via_line);
  out.append(buf.substr(at));
  return out;
}

Result<std::string> RemoveTopVia(std::string_view buf) {
  auto m = sip::Message::Parse(buf);
  const sip::Header* h = m->Find(sip::HeaderType::kVia);
  const auto* vias = m->Vias();
  if (!h || !vias || vias->empty()) return Status::Invalid("no parsable Via");
  const sip::ViaBody& top = (*vias)[0];
  size_t hstart = OffsetIn(*m, h->raw), hend = hstart + h->raw.size();
  bool more_in_line = false;
  if (vias->size() > 1) {
    size_t second = OffsetIn(*m, (*vias)[1].raw);
    more_in_line = second >= hstart && second < hend;
    if (more_in_line) {
      // Drop "top-parm , " up to the second via-parm.
      std::string out(buf);
      size_t s = OffsetIn(*m, top.raw);
      out.erase(s, second - s);
      return out;
    }
  }
  std::string out(buf);
  out.erase(hstart, h->raw.size());
  return out;
}

Result<ViaTarget> TargetOfVia(const sip::ViaBody& via) {
  ViaTarget t;
  t.transport = std::string(via.transport);
  t.host = StripBrackets(!via.received.empty() ? via.received : via.host);
  if (t.host.empty()) return Status::Invalid("Via without host");
  bool tls = IEquals(via.transport, "TLS");
  t.port = via.port ? via.port : (tls ? 5061 : 5060);
  if (!via.rport_value.empty()) {
    unsigned v = 0;
    auto r =
        std::from_chars(via.rport_value.data(), via.rport_value.data() + via.rport_value.size(), v);
    if (r.ec != std::errc() || v == 0 || v > 65535) return Status::Invalid("bad rport");
    t.port = static_cast<uint16_t>(v);
  }
  return t;
}

}  // namespace sipcapd::proxy
