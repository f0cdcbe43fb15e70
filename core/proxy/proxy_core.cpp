#include "core/proxy/proxy_core.h"

#include <netdb.h>
#include <strings.h>

#include <charconv>
#include <cstring>
#include <mutex>

#include "core/sip/msg_helpers.h"
#include "core/sip/uri.h"

namespace sipcapd::proxy {
namespace {

Result<uint16_t> ParsePort(std::string_view p) {
  unsigned v = 0;
  auto r = std::from_chars(p.data(), p.data() + p.size(), v);
  if (r.ec != std::errc() || r.ptr != p.data() + p.size() || v == 0 || v > 65535)
    return Status::Invalid("bad port '" + std::string(p) + "'");
  return static_cast<uint16_t>(v);
}

std::string StripBrackets(std::string_view h) {
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return std::string(h);
}

}  // namespace

Proto ProtoFromToken(std::string_view t) {
  auto eq = [&](const char* s) {
    return t.size() == strlen(s) && strncasecmp(t.data(), s, t.size()) == 0;
  };
  if (eq("udp")) return Proto::kUdp;
  if (eq("tcp")) return Proto::kTcp;
  if (eq("tls")) return Proto::kTls;
  if (eq("sctp")) return Proto::kSctp;
  if (eq("ws")) return Proto::kWs;
  if (eq("wss")) return Proto::kWss;
  return Proto::kNone;
}

const char* ViaTransport(Proto p) {
  switch (p) {
    case Proto::kTcp: return "TCP";
    case Proto::kTls: return "TLS";
    case Proto::kSctp: return "SCTP";
    case Proto::kWs: return "WS";
    case Proto::kWss: return "WSS";
    default: return "UDP";
  }
}

Result<Destination> ParseDestination(std::string_view text) {
  Destination d;
  if (text.empty()) return Status::Invalid("empty destination");
  if (text.size() > 4 &&
      (strncasecmp(text.data(), "sip:", 4) == 0 || strncasecmp(text.data(), "sips:", 5) == 0)) {
    auto u = sip::ParseUri(text);
    if (!u.ok())
      return Status::Invalid("bad URI '" + std::string(text) + "': " + u.status().message());
    d.host = StripBrackets(u->host);
    d.port = u->port;
    std::string_view tr = u->Transport();
    if (!tr.empty()) {
      d.proto = ProtoFromToken(tr);
      if (d.proto == Proto::kNone)
        return Status::Invalid("unknown transport '" + std::string(tr) + "'");
    }
    if (u->scheme == sip::UriScheme::kSips) d.proto = Proto::kTls;
    return d;
  }
  size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.front() != '[') {
    Proto p = ProtoFromToken(text.substr(0, colon));
    if (p != Proto::kNone) {
      d.proto = p;
      text = text.substr(colon + 1);
    }
  }
  if (!text.empty() && text.front() == '[') {
    size_t e = text.find(']');
    if (e == std::string_view::npos) return Status::Invalid("unterminated IPv6 address");
    d.host = std::string(text.substr(1, e - 1));
    std::string_view rest = text.substr(e + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::Invalid("garbage after IPv6 address");
      auto p = ParsePort(rest.substr(1));
      if (!p.ok()) return p.status();
      d.port = *p;
    }
  } else {
    size_t c = text.rfind(':');
    if (c != std::string_view::npos && text.find(':') != c) {
      d.host = std::string(text);  // bare IPv6 without port
    } else if (c != std::string_view::npos) {
      d.host = std::string(text.substr(0, c));
      auto p = ParsePort(text.substr(c + 1));
      if (!p.ok()) return p.status();
      d.port = *p;
    } else {
      d.host = std::string(text);
    }
  }
  if (d.host.empty()) return Status::Invalid("destination without host");
  return d;
}

Result<SockAddr> Resolve(const Destination& d) {
  SockAddr a;
  a.port = d.port ? d.port : (d.proto == Proto::kTls ? 5061 : 5060);
  if (auto ip = IpAddr::Parse(d.host)) {
    a.ip = *ip;
    return a;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(d.host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res)
    return Status::Unavailable("cannot resolve " + d.host + ": " + gai_strerror(rc));
  SockAddr r = SockAddr::FromSockaddr(res->ai_addr);
  freeaddrinfo(res);
  r.port = a.port;
  return r;
}

void ProxyCore::RegisterStats(StatsRegistry& reg) {
  auto add = [&](const char* n, Stat* s) { (void)reg.Register("core", n, s); };
  add("fwd_requests", &stats_.fwd_requests);
  add("fwd_replies", &stats_.fwd_replies);
  add("drop_requests", &stats_.drop_requests);
  add("drop_replies", &stats_.drop_replies);
  add("err_requests", &stats_.err_requests);
  add("err_replies", &stats_.err_replies);
  add("bad_msgs", &stats_.bad_msgs);
  add("sl_replies", &stats_.sl_replies);
}

void ProxyCore::AddSender(Sender* s) {
  std::unique_lock l(mu_);
  senders_.push_back(s);
}

void ProxyCore::RemoveSender(Sender* s) {
  std::unique_lock l(mu_);
  std::erase(senders_, s);
}

Sender* ProxyCore::Pick(Proto proto, int family, std::string_view prefer) const {
  std::shared_lock l(mu_);
  Sender* best = nullptr;
  for (Sender* s : senders_) {
    if (s->proto() != proto || s->local().ip.family != family) continue;
    if (!prefer.empty() && s->name() == prefer) return s;
    if (!best) best = s;
  }
  return best;
}

bool ProxyCore::IsLocal(std::string_view host, uint16_t port) const {
  auto ip = IpAddr::Parse(host);
  if (!ip) return false;
  std::shared_lock l(mu_);
  for (Sender* s : senders_)
    if (s->local().ip == *ip && s->local().port == (port ? port : 5060)) return true;
  return false;
}

Status ProxyCore::Send(Proto proto, const SockAddr& dst, std::string_view data,
                       std::string_view prefer, const SockAddr** local_out) {
  Sender* s = Pick(proto, dst.ip.family, prefer);
  if (!s)
    return Status::NotFound(std::string("no ") + ProtoName(proto) + " socket for " +
                            dst.ToString());
  if (local_out) *local_out = &s->local();
  return s->Send(dst, data);
}

Status ProxyCore::SetReplyInterceptor(ReplyInterceptor f) {
  if (intercept_) return Status::Invalid("a reply interceptor is already registered");
  intercept_ = std::move(f);
  return Status::Ok();
}

std::vector<std::string> ProxyCore::SenderNames() const {
  std::shared_lock l(mu_);
  std::vector<std::string> v;
  for (const Sender* s : senders_) v.push_back(s->name());
  return v;
}

Status ProxyCore::SendReply(MsgContext& ctx, std::string_view reply) {
  SockAddr dst = ctx.rcv.src;
  if (ctx.rcv.proto == Proto::kUdp) {
    if (sip::Message* m = sip::Parsed(ctx)) {
      const sip::ViaBody* v = m->FirstVia();
      if (v && !v->has_rport) dst.port = v->port ? v->port : 5060;
    }
  }
  Status st = Send(ctx.rcv.proto, dst, reply, ctx.rcv.listener);
  if (st.ok()) stats_.sl_replies.Inc();
  return st;
}

}  // namespace sipcapd::proxy
