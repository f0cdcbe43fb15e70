#include "modules/tm/tm_core.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "core/base/log.h"
#include "core/proxy/forward.h"
#include "core/proxy/msg_edit.h"
#include "core/proxy/reply.h"
#include "core/proxy/via.h"
#include "core/sip/msg_helpers.h"
#include "modules/tm/tm_key.h"

namespace sipcapd::tm {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Branch {
  std::string buf;
  std::shared_ptr<sip::Message> msg;
  SockAddr dst;
  int sent = 0;
  int64_t next_retr = 0;    // 0: no retransmission pending
  int64_t fr_deadline = 0;  // timers B/F
  int last_code = 0;
  bool final = false;
  bool cancel_pending = false, cancelled = false;
  std::string final_reply;  // as received ("" for a local timeout)
};

struct Transaction {
  uint64_t id = 0;
  std::weak_ptr<Transaction> self;
  std::string key, method;
  std::recursive_mutex mu;
  std::unique_ptr<MsgContext> req;  // upstream request as received
  std::vector<Branch> branches;
  std::vector<std::pair<uint32_t, TmCallback>> cbs;
  RouteNames routes;
  int uas_code = 0;
  std::string uas_reply;
  SockAddr uas_dst;
  int uas_sent = 0;
  int64_t uas_next_retr = 0, uas_deadline = 0;  // timers G / H
  int64_t delete_at = 0;
  bool canceled = false, deleted = false, in_failure = false;
};

namespace {

constexpr const char* kExt = "tm";

struct TmExt : MsgExtension {
  std::shared_ptr<Transaction> t;
  std::vector<std::pair<uint32_t, TmCallback>> pending;
  RouteNames routes;
  std::unique_ptr<MsgExtension> Clone() const override { return std::make_unique<TmExt>(*this); }
};

TmExt& Ext(MsgContext& ctx) {
  auto& e = ctx.ext[kExt];
  if (!e) e = std::make_unique<TmExt>();
  return static_cast<TmExt&>(*e);
}
TmExt* FindExt(MsgContext& ctx) {
  auto it = ctx.ext.find(kExt);
  return it == ctx.ext.end() ? nullptr : static_cast<TmExt*>(it->second.get());
}

bool IsInvite(const Transaction& t) { return t.method == "INVITE"; }

// Where a reply to `req` goes (RFC 3261 §18.2.2 for UDP, as ProxyCore::SendReply).
SockAddr UpstreamDst(MsgContext& req) {
  SockAddr dst = req.rcv.src;
  if (req.rcv.proto == Proto::kUdp)
    if (sip::Message* m = sip::Parsed(req))
      if (const sip::ViaBody* v = m->FirstVia(); v && !v->has_rport)
        dst.port = v->port ? v->port : 5060;
  return dst;
}

}  // namespace

TmCore::TmCore(TmOptions o, Registrar* reg, proxy::ProxyCore* core, TmStats* stats)
    : opts_(o), reg_(reg), core_(core), stats_(*stats) {}

TmCore::~TmCore() {
  if (fd_ >= 0) close(fd_);
}

Status TmCore::Open(const std::string& bind_ip) {
  auto ip = IpAddr::Parse(bind_ip);
  if (!ip) return Status::Invalid("tm: bad bind address " + bind_ip);
  SockAddr a;
  a.ip = *ip;
  a.port = 0;
  fd_ = socket(ip->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::Unavailable("tm: socket failed");
  sockaddr_storage ss;
  socklen_t len = a.ToSockaddr(&ss);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return Status::Unavailable("tm: cannot bind " + bind_ip);
  len = sizeof ss;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  local_ = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ss));
  LOG_INFO("tm", "downstream socket %s", local_.ToString().c_str());
  return Status::Ok();
}

void TmCore::Run(const std::atomic<bool>& stop) {
  std::string buf(65536, '\0');
  int64_t last_tick = 0;
  while (!stop.load()) {
    pollfd p{fd_, POLLIN, 0};
    int n = poll(&p, 1, 10);
    if (n > 0 && (p.revents & POLLIN)) {
      for (int i = 0; i < 64; ++i) {
        sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t got =
            recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (got <= 4) break;
        HandleDownstream(std::string(buf.data(), static_cast<size_t>(got)),
                         SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&from)));
      }
    }
    int64_t now = NowMs();
    if (now - last_tick >= 10) {
      last_tick = now;
      Tick(now);
    }
  }
}

bool TmCore::SendDown(const SockAddr& dst, const std::string& data) {
  sockaddr_storage ss;
  socklen_t len = dst.ToSockaddr(&ss);
  return sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) ==
         static_cast<ssize_t>(data.size());
}

void TmCore::Fire(Transaction& t, TmCbParams& p) {
  p.trans_id = t.id;
  if (p.method.empty()) p.method = t.method;
  for (auto& [mask, cb] : t.cbs)
    if (mask & p.type) cb(p);
}

std::shared_ptr<Transaction> TmCore::Find(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

size_t TmCore::Size() {
  std::lock_guard<std::mutex> l(mu_);
  return by_id_.size();
}

std::shared_ptr<Transaction> TmCore::Create(MsgContext& ctx, const std::string& key) {
  auto t = std::make_shared<Transaction>();
  t->id = ++next_id_;
  t->key = key;
  sip::Message* m = sip::Parsed(ctx);
  t->method = std::string(m->method());
  t->self = t;
  TmExt& e = Ext(ctx);
  t->cbs = std::move(e.pending);
  e.pending.clear();
  t->routes = e.routes;
  t->req = ctx.Clone();  // before e.t is set: no reference cycle
  e.t = t;
  {
    std::lock_guard<std::mutex> l(mu_);
    by_key_[key] = t;
    by_id_[t->id] = t;
  }
  stats_.transactions.Inc();
  std::lock_guard<std::recursive_mutex> tl(t->mu);
  for (auto& h : hooks_) h(ctx, t->id);
  return t;
}

void TmCore::Delete(const std::shared_ptr<Transaction>& t) {
  if (t->deleted) return;
  t->deleted = true;
  TmCbParams p;
  p.type = kTmcbTransEnd;
  Fire(*t, p);
  std::lock_guard<std::mutex> l(mu_);
  by_key_.erase(t->key);
  by_id_.erase(t->id);
}

int TmCore::AddBranch(Transaction& t, MsgContext& ctx, const proxy::Destination* dest) {
  std::lock_guard<std::recursive_mutex> tl(t.mu);
  if (!t.routes.on_branch.empty()) {
    std::string name = t.routes.on_branch;
    uint32_t saved = ctx.route_type;
    auto out = reg_->script().RunRoute(kBranchRoute, name, ctx);
    ctx.route_type = saved;
    if (out.dropped) return -1;
  }
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return -1;
  proxy::Destination d;
  if (dest) {
    d = *dest;
  } else {
    auto pd = proxy::NextHop(ctx, *m);
    if (!pd.ok()) {
      LOG_ERR("tm", "t_relay: bad destination: %s", pd.status().message().c_str());
      return -1;
    }
    d = *pd;
  }
  if (d.proto != Proto::kNone && d.proto != Proto::kUdp) {
    LOG_ERR("tm", "t_relay: only UDP branches are supported");
    return -1;
  }
  auto dst = proxy::Resolve(d);
  if (!dst.ok()) {
    LOG_ERR("tm", "t_relay: %s", dst.status().message().c_str());
    return -1;
  }
  if (dst->port == 0) dst->port = 5060;
  std::string text = ctx.buf;
  if (!ctx.new_ruri.empty() && ctx.new_ruri != m->ruri()) {
    Status st = proxy::ReplaceRuri(text, ctx.new_ruri);
    if (!st.ok()) return -1;
  }
  if (ctx.rcv.proto != Proto::kNone) {
    bool stream = ctx.rcv.proto != Proto::kUdp && ctx.rcv.proto != Proto::kSctp;
    auto stamped = proxy::StampTopVia(text, ctx.rcv.src, stream);
    if (!stamped.ok()) return -1;
    text = std::move(stamped).value();
  }
  uint32_t idx = static_cast<uint32_t>(t.branches.size());
  text = proxy::InsertVia(text, proxy::BuildViaLine("UDP", local_, MakeBranch(t.id, idx)));
  Branch b;
  b.buf = std::move(text);
  b.msg = sip::Message::Parse(b.buf);
  b.dst = *dst;
  int64_t now = NowMs();
  b.sent = 1;
  b.next_retr = now + opts_.t1_ms;
  b.fr_deadline = now + int64_t{opts_.fr_timeout_s} * 1000;
  if (!SendDown(b.dst, b.buf)) {
    LOG_ERR("tm", "t_relay: send to %s failed", b.dst.ToString().c_str());
    return -1;
  }
  t.branches.push_back(std::move(b));
  const Branch& nb = t.branches.back();
  TmCbParams p;
  p.type = kTmcbRequestOut;
  p.msg = nb.buf;
  p.src = local_;
  p.dst = nb.dst;
  Fire(t, p);
  return 1;
}

int TmCore::Relay(MsgContext& ctx, const proxy::Destination* dest) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request()) return -1;
  if (TmExt* e = FindExt(ctx); e && e->t) return AddBranch(*e->t, ctx, dest);
  std::string_view method = m->method();
  if (method == "CANCEL") return CancelRequest(ctx);
  auto key = ServerKey(*m);
  if (!key.ok()) {
    LOG_ERR("tm", "t_relay: %s", key.status().message().c_str());
    return -1;
  }
  auto t = Find(*key);
  if (method == "ACK") {
    if (t) {
      std::lock_guard<std::recursive_mutex> tl(t->mu);
      if (t->uas_code >= 300) {  // hop-by-hop ACK of our negative reply: absorbed
        t->uas_next_retr = 0;
        t->uas_deadline = 0;
        t->delete_at = NowMs();
        TmCbParams p;
        p.type = kTmcbRequestIn;
        p.msg = ctx.buf;
        p.method = "ACK";
        p.proto = ctx.rcv.proto;
        p.src = ctx.rcv.src;
        p.dst = ctx.rcv.dst;
        Fire(*t, p);
        stats_.absorbed.Inc();
        return 1;
      }
    }
    for (auto& h : hooks_) h(ctx, 0);  // end-to-end ACK (2xx): stateless
    Status st = proxy::Forward(*core_, ctx, dest);
    return st.ok() ? 1 : -1;
  }
  if (t) {  // retransmission
    std::lock_guard<std::recursive_mutex> tl(t->mu);
    stats_.absorbed.Inc();
    if (!t->uas_reply.empty())
      core_->Send(t->req->rcv.proto, t->uas_dst, t->uas_reply, t->req->rcv.listener);
    return 0;
  }
  t = Create(ctx, *key);
  std::lock_guard<std::recursive_mutex> tl(t->mu);
  if (IsInvite(*t)) LocalReply(*t, 100, "Trying");
  return AddBranch(*t, ctx, dest);
}

int TmCore::CancelRequest(MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  auto key = ServerKey(*m, "INVITE");
  auto inv = key.ok() ? Find(*key) : nullptr;
  if (!inv) {  // nothing to cancel here: pass it on statelessly
    Status st = proxy::Forward(*core_, ctx, nullptr);
    return st.ok() ? 1 : -1;
  }
  std::lock_guard<std::recursive_mutex> tl(inv->mu);
  TmCbParams p;
  p.type = kTmcbRequestIn;
  p.msg = ctx.buf;
  p.method = "CANCEL";
  p.proto = ctx.rcv.proto;
  p.src = ctx.rcv.src;
  p.dst = ctx.rcv.dst;
  Fire(*inv, p);
  auto ok = proxy::BuildReply(*m, ctx.rcv.src, 200, "OK");
  if (ok.ok()) {
    SockAddr dst = UpstreamDst(ctx);
    const SockAddr* lo = nullptr;
    if (core_->Send(ctx.rcv.proto, dst, *ok, ctx.rcv.listener, &lo).ok()) {
      TmCbParams r;
      r.type = kTmcbReplyOut;
      r.is_request = false;
      r.code = 200;
      r.method = "CANCEL";
      r.msg = *ok;
      r.local = true;
      r.proto = ctx.rcv.proto;
      if (lo) r.src = *lo;
      r.dst = dst;
      Fire(*inv, r);
    }
  }
  inv->canceled = true;
  for (size_t i = 0; i < inv->branches.size(); ++i) {
    Branch& b = inv->branches[i];
    if (b.final || b.cancelled) continue;
    if (b.last_code >= 100)
      SendCancel(*inv, i);
    else
      b.cancel_pending = true;
  }
  return 1;
}

void TmCore::SendCancel(Transaction& t, size_t idx) {
  Branch& b = t.branches[idx];
  if (b.cancelled) return;
  b.cancelled = true;
  b.cancel_pending = false;
  auto c = BuildCancel(*b.msg);
  if (!c.ok() || !SendDown(b.dst, *c)) return;
  TmCbParams p;
  p.type = kTmcbRequestOut | kTmcbLocalRequest;
  p.msg = *c;
  p.method = "CANCEL";
  p.local = true;
  p.src = local_;
  p.dst = b.dst;
  Fire(t, p);
}

void TmCore::RelayUp(Transaction& t, std::string text, int code, bool local) {
  if (!local) {
    auto r = proxy::RemoveTopVia(text);
    if (!r.ok()) return;
    text = std::move(r).value();
  }
  MsgContext& req = *t.req;
  SockAddr dst = UpstreamDst(req);
  const SockAddr* lo = nullptr;
  Status st = core_->Send(req.rcv.proto, dst, text, req.rcv.listener, &lo);
  if (!st.ok())
    LOG_WARN("tm", "reply %d upstream to %s: %s", code, dst.ToString().c_str(),
             st.message().c_str());
  (local ? stats_.local_replies : stats_.relayed_replies).Inc();
  if (code >= t.uas_code || code >= 200) t.uas_code = code;
  t.uas_reply = text;
  t.uas_dst = dst;
  TmCbParams p;
  p.type = kTmcbReplyOut;
  p.is_request = false;
  p.code = code;
  p.msg = t.uas_reply;
  p.local = local;
  p.proto = req.rcv.proto;
  if (lo) p.src = *lo;
  p.dst = dst;
  Fire(t, p);
  if (code < 200) return;
  int64_t now = NowMs();
  if (IsInvite(t) && code >= 300 && req.rcv.proto == Proto::kUdp) {
    t.uas_sent = 1;
    t.uas_next_retr = now + opts_.t1_ms;
    t.uas_deadline = now + 64 * opts_.t1_ms;
  } else if (IsInvite(t) && code >= 300) {
    t.uas_deadline = now + 64 * opts_.t1_ms;
  } else {
    t.delete_at = now + int64_t{opts_.wt_timer_s} * 1000;
  }
}

void TmCore::LocalReply(Transaction& t, int code, std::string_view reason) {
  sip::Message* m = sip::Parsed(*t.req);
  if (!m) return;
  auto r = proxy::BuildReply(*m, t.req->rcv.src, code, reason);
  if (!r.ok()) return;
  RelayUp(t, std::move(r).value(), code, true);
}

void TmCore::HandleDownstream(std::string buf, const SockAddr& src) {
  auto msg = sip::Message::Parse(buf);
  if (!msg->is_reply()) return;
  const sip::ViaBody* via = msg->FirstVia();
  auto ref = via ? ParseBranch(via->branch) : std::nullopt;
  if (!ref) return;
  std::shared_ptr<Transaction> t;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_id_.find(ref->id);
    if (it != by_id_.end()) t = it->second;
  }
  if (!t) return;
  std::lock_guard<std::recursive_mutex> tl(t->mu);
  if (t->deleted || ref->index >= t->branches.size()) return;
  const sip::CSeqBody* cseq = msg->CSeq();
  if (!cseq || cseq->method != t->method) return;  // e.g. the 200 of our CANCEL
  int code = msg->status_code();
  TmCbParams p;
  p.type = kTmcbReplyIn;
  p.is_request = false;
  p.code = code;
  p.msg = buf;
  p.src = src;
  p.dst = local_;
  Fire(*t, p);
  Branch& b = t->branches[ref->index];
  int64_t now = NowMs();
  bool ack_needed = IsInvite(*t) && code >= 300;
  if (b.final) {  // retransmitted final reply
    if (ack_needed) {
      if (auto ack = BuildAck(*b.msg, *msg); ack.ok()) SendDown(b.dst, *ack);
    } else if (code < 300 && code >= 200 && IsInvite(*t)) {
      RelayUp(*t, buf, code, false);  // 2xx retransmissions go end to end
    }
    return;
  }
  if (code < 200) {
    b.last_code = std::max(b.last_code, code);
    if (IsInvite(*t)) {
      b.next_retr = 0;
      b.fr_deadline = now + int64_t{opts_.fr_inv_timeout_s} * 1000;
    }
    if (b.cancel_pending) SendCancel(*t, ref->index);
  } else {
    b.final = true;
    b.next_retr = 0;
    b.last_code = code;
    b.final_reply = buf;
    if (ack_needed) {
      if (auto ack = BuildAck(*b.msg, *msg); ack.ok() && SendDown(b.dst, *ack)) {
        TmCbParams a;
        a.type = kTmcbRequestOut | kTmcbLocalRequest;
        a.msg = *ack;
        a.method = "ACK";
        a.local = true;
        a.src = local_;
        a.dst = b.dst;
        Fire(*t, a);
      }
    }
  }
  if (!t->routes.on_reply.empty()) {
    MsgContext rc;
    rc.buf = buf;
    rc.rcv.src = src;
    rc.rcv.dst = local_;
    rc.rcv.proto = Proto::kUdp;
    rc.vars = reg_->WorkerVars();
    Ext(rc).t = t;
    auto out = reg_->script().RunRoute(kOnReplyRoute, t->routes.on_reply, rc);
    if (out.dropped && code < 200) return;
  }
  if (code == 100) return;
  if (code < 200) {
    if (t->uas_code < 200) RelayUp(*t, buf, code, false);
    return;
  }
  if (code < 300) {
    RelayUp(*t, buf, code, false);
    for (size_t i = 0; i < t->branches.size(); ++i)
      if (!t->branches[i].final && t->branches[i].last_code >= 100) SendCancel(*t, i);
    return;
  }
  AllBranchesFinal(*t);
}

void TmCore::AllBranchesFinal(Transaction& t) {
  if (t.uas_code >= 200 || t.in_failure) return;
  for (const Branch& b : t.branches)
    if (!b.final) return;
  if (!t.routes.on_failure.empty() && !t.canceled) {
    std::string name = t.routes.on_failure;
    t.routes.on_failure.clear();  // re-armed by t_on_failure() in the route
    auto fc = t.req->Clone();
    fc->vars = reg_->WorkerVars();
    auto& e = Ext(*fc);
    e.t = t.self.lock();
    size_t before = t.branches.size();
    t.in_failure = true;
    reg_->script().RunRoute(kFailureRoute, name, *fc);
    t.in_failure = false;
    if (t.uas_code >= 200) return;  // t_reply() in the failure route
    bool pending = false;
    for (size_t i = before; i < t.branches.size(); ++i) pending = pending || !t.branches[i].final;
    if (pending) return;
  }
  // Best reply: a 6xx wins, else the lowest code; a branch that timed out
  // counts as 408.
  const Branch* best = nullptr;
  for (const Branch& b : t.branches) {
    if (!best) {
      best = &b;
      continue;
    }
    bool b6 = b.last_code >= 600, best6 = best->last_code >= 600;
    if ((b6 && !best6) || (b6 == best6 && b.last_code < best->last_code)) best = &b;
  }
  if (!best) {
    LocalReply(t, 500, "No branches");
  } else if (best->final_reply.empty()) {
    LocalReply(t, best->last_code ? best->last_code : 408, "Request Timeout");
  } else {
    RelayUp(t, best->final_reply, best->last_code, false);
  }
}

void TmCore::Tick(int64_t now) {
  std::vector<std::shared_ptr<Transaction>> all;
  {
    std::lock_guard<std::mutex> l(mu_);
    all.reserve(by_id_.size());
    for (auto& [id, t] : by_id_) all.push_back(t);
  }
  for (auto& t : all) {
    std::lock_guard<std::recursive_mutex> tl(t->mu);
    if (t->deleted) continue;
    bool timed_out = false;
    for (size_t i = 0; i < t->branches.size(); ++i) {
      Branch& b = t->branches[i];
      if (b.final) continue;
      if (b.next_retr && now >= b.next_retr) {  // timers A / E
        SendDown(b.dst, b.buf);
        stats_.retransmissions.Inc();
        ++b.sent;
        bool invite = IsInvite(*t);
        int64_t iv = (!invite && b.last_code >= 100)
                         ? opts_.t2_ms
                         : RetransmitIntervalMs(b.sent, opts_.t1_ms, opts_.t2_ms, !invite);
        b.next_retr = now + iv;
      }
      if (now >= b.fr_deadline) {  // timers B / F
        b.final = true;
        b.next_retr = 0;
        if (IsInvite(*t) && b.last_code >= 100) SendCancel(*t, i);
        b.last_code = 408;
        stats_.timeouts.Inc();
        timed_out = true;
      }
    }
    if (timed_out) AllBranchesFinal(*t);
    if (t->uas_next_retr && now >= t->uas_next_retr) {  // timer G
      core_->Send(t->req->rcv.proto, t->uas_dst, t->uas_reply, t->req->rcv.listener);
      ++t->uas_sent;
      t->uas_next_retr = now + RetransmitIntervalMs(t->uas_sent, opts_.t1_ms, opts_.t2_ms, true);
    }
    if (t->uas_deadline && now >= t->uas_deadline) {  // timer H
      t->uas_next_retr = 0;
      t->uas_deadline = 0;
      t->delete_at = now;
    }
    if (t->delete_at && now >= t->delete_at) Delete(t);
  }
}

int TmCore::NewTran(MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request() || m->method() == "ACK") return -1;
  if (TmExt* e = FindExt(ctx); e && e->t) return 1;
  auto key = ServerKey(*m);
  if (!key.ok()) return -1;
  if (auto t = Find(*key)) {
    std::lock_guard<std::recursive_mutex> tl(t->mu);
    stats_.absorbed.Inc();
    if (!t->uas_reply.empty())
      core_->Send(t->req->rcv.proto, t->uas_dst, t->uas_reply, t->req->rcv.listener);
    return 0;
  }
  Create(ctx, *key);
  return 1;
}

int TmCore::Reply(MsgContext& ctx, int code, std::string_view reason) {
  TmExt* e = FindExt(ctx);
  if (!e || !e->t) {
    int r = NewTran(ctx);
    if (r <= 0) return r;
    e = FindExt(ctx);
  }
  auto t = e->t;
  std::lock_guard<std::recursive_mutex> tl(t->mu);
  if (t->uas_code >= 200) return -1;
  LocalReply(*t, code, reason);
  return 1;
}

int TmCore::CheckTrans(MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return -1;
  if (TmExt* e = FindExt(ctx); e && e->t) return 1;
  if (!m->is_request()) return -1;
  if (m->method() == "CANCEL") {
    auto key = ServerKey(*m, "INVITE");
    return key.ok() && Find(*key) ? 1 : -1;
  }
  auto key = ServerKey(*m);
  if (!key.ok()) return -1;
  auto t = Find(*key);
  if (!t) return -1;
  if (m->method() == "ACK") return 1;
  std::lock_guard<std::recursive_mutex> tl(t->mu);  // retransmission: absorb
  stats_.absorbed.Inc();
  if (!t->uas_reply.empty())
    core_->Send(t->req->rcv.proto, t->uas_dst, t->uas_reply, t->req->rcv.listener);
  return 0;
}

void TmCore::SetRoute(MsgContext& ctx, RouteKind k, std::string name) {
  TmExt& e = Ext(ctx);
  auto set = [&](RouteNames& r) {
    (k == RouteKind::kReply     ? r.on_reply
     : k == RouteKind::kFailure ? r.on_failure
                                : r.on_branch) = name;
  };
  set(e.routes);
  if (e.t) {
    std::lock_guard<std::recursive_mutex> tl(e.t->mu);
    set(e.t->routes);
  }
}

bool TmCore::RegisterCallback(MsgContext& ctx, uint32_t mask, TmCallback cb) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request() || m->method() == "ACK") return false;
  TmExt& e = Ext(ctx);
  if (e.t) {
    std::lock_guard<std::recursive_mutex> tl(e.t->mu);
    e.t->cbs.emplace_back(mask, std::move(cb));
  } else {
    e.pending.emplace_back(mask, std::move(cb));
  }
  return true;
}

uint64_t TmCore::TransactionId(MsgContext& ctx) {
  TmExt* e = FindExt(ctx);
  return e && e->t ? e->t->id : 0;
}

}  // namespace sipcapd::tm
