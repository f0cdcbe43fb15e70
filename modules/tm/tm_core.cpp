#include "modules/tm/tm_core.h"

#include <chrono>
#include <thread>

#include "core/base/log.h"
#include "core/proxy/forward.h"
#include "core/proxy/msg_edit.h"
#include "core/proxy/reply.h"
#include "core/proxy/via.h"
#include "core/sip/msg_helpers.h"
#include "modules/tm/tm_key.h"
#include "modules/tm/tm_trans.h"

namespace sipcapd::tm {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {
constexpr const char* kExt = "tm";
// The key index's hash (Transaction::key_hash): the same for linking and
// for every lookup.
size_t KeyHash(std::string_view key) { return std::hash<std::string_view>{}(key); }
}  // namespace

TmExt& Ext(MsgContext& ctx) {
  auto& e = ctx.ext[kExt];
  if (!e) e = std::make_unique<TmExt>();
  return static_cast<TmExt&>(*e);
}

TmExt* FindExt(MsgContext& ctx) {
  auto it = ctx.ext.find(kExt);
  return it == ctx.ext.end() ? nullptr : static_cast<TmExt*>(it->second.get());
}

SockAddr UpstreamDst(MsgContext& req) {
  SockAddr dst = req.rcv.src;
  if (req.rcv.proto == Proto::kUdp)
    if (sip::Message* m = sip::Parsed(req))
      if (const sip::ViaBody* v = m->FirstVia(); v && !v->has_rport)
        dst.port = v->port ? v->port : 5060;
  return dst;
}

TmCore::TmCore(TmOptions o, Registrar* reg, proxy::ProxyCore* core, TmStats* stats)
    : opts_(o), reg_(reg), core_(core), stats_(*stats), wheel_(kSlotMs, kSlots, NowMs()) {}

TmCore::~TmCore() = default;

Status TmCore::Attach() {
  return core_->SetReplyInterceptor([this](MsgContext& r) { return HandleDownstream(r); });
}

void TmCore::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    Tick(NowMs());
  }
}

bool TmCore::SendDown(const Branch& b, const std::string& data) {
  Status st = b.out->Send(b.dst, data);
  if (!st.ok())
    LOG_DBG("tm", "send to %s via %s: %s", b.dst.ToString().c_str(), b.out->name().c_str(),
            st.message().c_str());
  return st.ok();
}

void TmCore::Fire(Transaction& t, TmCbParams& p) {
  p.trans_id = t.id;
  if (p.method.empty()) p.method = t.method;
  p.callid = t.callid;
  p.from_tag = t.from_tag;
  for (auto& [mask, cb] : t.cbs)
    if (mask & p.type) cb(p);
}

std::shared_ptr<Transaction> TmCore::Find(const std::string& key) {
  const size_t h = KeyHash(key);
  std::lock_guard<std::mutex> l(mu_);
  Transaction* t = FindKeyLocked(key, h);
  return t ? t->self.lock() : nullptr;
}

Transaction*& TmCore::KeyLinks::Next(Transaction& t) { return t.key_next; }
size_t TmCore::KeyLinks::Hash(const Transaction& t) { return t.key_hash; }
TimerHook<Transaction>& TmCore::TimerHooks::Hook(Transaction& t) { return t.timer; }

Transaction* TmCore::FindKeyLocked(std::string_view key, size_t h) const {
  return by_key_.Find(h, [key](const Transaction& t) { return t.key == key; });
}

size_t TmCore::Size() {
  std::lock_guard<std::mutex> l(mu_);
  return by_id_.size();
}

std::shared_ptr<Transaction> TmCore::Create(MsgContext& ctx, const std::string& key,
                                            bool* existed) {
  auto t = std::make_shared<Transaction>();
  t->key = key;
  t->key_hash = KeyHash(key);
  const sip::Message* m = sip::Parsed(ctx);
  t->method = std::string(m->method());
  t->callid = std::string(sip::CallId(*m));
  t->from_tag = std::string(sip::FromTag(*m));
  t->self = t;
  // Locked before it is visible: a copy of the request handled at the same
  // time by another worker finds it and waits for it to be set up.
  TransLock tl(*this, *t);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (Transaction* other = FindKeyLocked(t->key, t->key_hash)) {
      *existed = true;  // linked, so by_id_ still holds it
      return other->self.lock();
    }
    by_key_.Link(t.get());
    t->id = ++next_id_;
    by_id_[t->id] = t;
  }
  *existed = false;
  TmExt& e = Ext(ctx);
  t->cbs = std::move(e.pending);
  e.pending.clear();
  t->routes = e.routes;
  t->req = ctx.Clone();  // before e.t is set: no reference cycle
  e.t = t;
  stats_.transactions.Inc();
  stats_.inuse_transactions.Inc();
  for (auto& h : hooks_) h(ctx, t->id);
  return t;
}

int TmCore::Absorb(Transaction& t) {
  TransLock tl(*this, t);
  stats_.absorbed.Inc();
  if (!t.uas_reply.empty() && t.req)
    core_->Send(t.req->rcv.proto, t.uas_dst, t.uas_reply, t.req->rcv.listener);
  return 0;
}

void TmCore::Delete(const std::shared_ptr<Transaction>& t) {
  if (t->deleted) return;
  t->deleted = true;
  TmCbParams p;
  p.type = kTmcbTransEnd;
  Fire(*t, p);
  stats_.inuse_transactions.Dec();
  std::lock_guard<std::mutex> l(mu_);
  by_key_.Unlink(t.get());
  by_id_.erase(t->id);
}

int TmCore::AddBranch(Transaction& t, MsgContext& ctx, const proxy::Destination* dest) {
  TransLock tl(*this, t);
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
  if (d.proto == Proto::kNone) d.proto = Proto::kUdp;
  auto dst = proxy::Resolve(d);
  if (!dst.ok()) {
    LOG_ERR("tm", "t_relay: %s", dst.status().message().c_str());
    return -1;
  }
  proxy::Sender* out = core_->Pick(d.proto, dst->ip.family, ctx.rcv.listener);
  if (!out) {
    LOG_ERR("tm", "t_relay: no %s listener to reach %s", ProtoName(d.proto),
            dst->ToString().c_str());
    return -1;
  }
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
  text = proxy::InsertVia(
      text, proxy::BuildViaLine(proxy::ViaTransport(d.proto), out->local(), MakeBranch(t.id, idx)));
  Branch b;
  b.buf = std::move(text);
  b.msg = sip::Message::Parse(b.buf);
  b.out = out;
  b.proto = d.proto;
  b.local = out->local();
  b.dst = *dst;
  int64_t now = NowMs();
  b.sent = 1;
  b.next_retr = d.proto == Proto::kUdp ? now + opts_.t1_ms : 0;
  b.fr_deadline = now + int64_t{opts_.fr_timeout_s} * 1000;
  if (!SendDown(b, b.buf)) {
    LOG_ERR("tm", "t_relay: send to %s failed", b.dst.ToString().c_str());
    return -1;
  }
  t.branches.push_back(std::move(b));
  const Branch& nb = t.branches.back();
  TmCbParams p;
  p.type = kTmcbRequestOut;
  p.msg = nb.buf;
  p.parsed = nb.msg.get();
  p.proto = nb.proto;
  p.src = nb.local;
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
      TransLock tl(*this, *t);
      if (t->uas_code >= 300) {  // hop-by-hop ACK of our negative reply: absorbed
        t->uas_next_retr = 0;
        t->uas_deadline = 0;
        t->delete_at = NowMs();
        TmCbParams p;
        p.type = kTmcbRequestIn;
        p.msg = ctx.buf;
        p.parsed = sip::Parsed(ctx);
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
  if (t) return Absorb(*t);  // retransmission
  bool existed = false;
  t = Create(ctx, *key, &existed);
  if (existed) return Absorb(*t);  // a copy created it a moment ago
  TransLock tl(*this, *t);
  if (IsInvite(*t)) LocalReply(*t, 100, "Trying");
  int rc = AddBranch(*t, ctx, dest);
  // No branch went out: the script may still t_reply(); the transaction is
  // dropped after fr_timeout instead of living forever.
  if (rc < 0 && t->branches.empty() && !t->delete_at && !t->uas_deadline)
    t->delete_at = NowMs() + int64_t{opts_.fr_timeout_s} * 1000;
  return rc;
}

int TmCore::CancelRequest(MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  auto key = ServerKey(*m, "INVITE");
  auto inv = key.ok() ? Find(*key) : nullptr;
  if (!inv) {  // nothing to cancel here: pass it on statelessly
    Status st = proxy::Forward(*core_, ctx, nullptr);
    return st.ok() ? 1 : -1;
  }
  TransLock tl(*this, *inv);
  TmCbParams p;
  p.type = kTmcbRequestIn;
  p.msg = ctx.buf;
  p.parsed = m;
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
  if (!b.msg) return;
  auto c = BuildCancel(*b.msg);
  if (!c.ok()) return;
  b.cancel_buf = std::move(c).value();
  if (b.proto == Proto::kUdp) {
    int64_t now = NowMs();
    b.cancel_sent = 1;
    b.cancel_next_retr = now + opts_.t1_ms;
    b.cancel_deadline = now + 64 * opts_.t1_ms;
  }
  SendLocalRequest(t, b, b.cancel_buf, "CANCEL");
}

void TmCore::SendLocalRequest(Transaction& t, const Branch& b, const std::string& msg,
                              const char* method) {
  if (!SendDown(b, msg)) return;
  TmCbParams p;
  p.type = kTmcbRequestOut | kTmcbLocalRequest;
  p.msg = msg;
  p.method = method;
  p.local = true;
  p.proto = b.proto;
  p.src = b.local;
  p.dst = b.dst;
  Fire(t, p);
}

int64_t NextDeadline(const Transaction& t) {
  if (t.deleted) return 0;
  int64_t next = 0;
  auto take = [&next](int64_t d) {
    if (d && (!next || d < next)) next = d;
  };
  for (const Branch& b : t.branches) {
    take(b.cancel_next_retr);
    if (b.final) continue;
    take(b.next_retr);
    take(b.fr_deadline);
  }
  take(t.uas_next_retr);
  take(t.uas_deadline);
  take(t.delete_at);
  return next;
}

void TmCore::Rearm(Transaction& t) {
  int64_t due = NextDeadline(t);
  std::lock_guard<std::mutex> l(timer_mu_);
  wheel_.Set(t, due);
}

size_t TmCore::Armed() {
  std::lock_guard<std::mutex> l(timer_mu_);
  return wheel_.size();
}

void TmCore::Tick(int64_t now) {
  std::vector<std::shared_ptr<Transaction>> all;
  {
    std::lock_guard<std::mutex> l(timer_mu_);
    wheel_.Expire(now, [&all](Transaction& t) {
      if (auto sp = t.self.lock()) all.push_back(std::move(sp));
    });
  }
  for (auto& t : all) {
    TransLock tl(*this, *t);
    if (t->deleted) continue;
    bool timed_out = false;
    for (size_t i = 0; i < t->branches.size(); ++i) {
      Branch& b = t->branches[i];
      if (b.cancel_next_retr && now >= b.cancel_next_retr) {  // timer E of our CANCEL
        if (b.final || now >= b.cancel_deadline) {
          b.cancel_next_retr = 0;
        } else {
          SendDown(b, b.cancel_buf);
          stats_.retransmissions.Inc();
          ++b.cancel_sent;
          b.cancel_next_retr =
              now + RetransmitIntervalMs(b.cancel_sent, opts_.t1_ms, opts_.t2_ms, true);
        }
      }
      if (b.final) continue;
      if (b.next_retr && now >= b.next_retr) {  // timers A / E
        SendDown(b, b.buf);
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
  if (auto t = Find(*key)) return Absorb(*t);
  bool existed = false;
  auto t = Create(ctx, *key, &existed);
  return existed ? Absorb(*t) : 1;
}

int TmCore::Reply(MsgContext& ctx, int code, std::string_view reason) {
  TmExt* e = FindExt(ctx);
  if (!e || !e->t) {
    int r = NewTran(ctx);
    if (r <= 0) return r;
    e = FindExt(ctx);
  }
  auto t = e->t;
  TransLock tl(*this, *t);
  if (t->uas_code >= 200) return -1;
  LocalReply(*t, code, reason);
  return 1;
}

int TmCore::CheckTrans(MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return -1;
  if (TmExt* e = FindExt(ctx); e && e->t) return 1;
  if (!m->is_request()) {  // a reply: does it belong to a live transaction?
    const sip::ViaBody* via = m->FirstVia();
    auto ref = via ? ParseBranch(via->branch) : std::nullopt;
    if (!ref) return -1;
    std::lock_guard<std::mutex> l(mu_);
    return by_id_.count(ref->id) ? 1 : -1;
  }
  if (m->method() == "CANCEL") {
    auto key = ServerKey(*m, "INVITE");
    return key.ok() && Find(*key) ? 1 : -1;
  }
  auto key = ServerKey(*m);
  if (!key.ok()) return -1;
  auto t = Find(*key);
  if (!t) return -1;
  if (m->method() == "ACK") return 1;
  return Absorb(*t);  // retransmission
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
    TransLock tl(*this, *e.t);
    set(e.t->routes);
  }
}

bool TmCore::RegisterCallback(MsgContext& ctx, uint32_t mask, TmCallback cb) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request() || m->method() == "ACK") return false;
  TmExt& e = Ext(ctx);
  if (e.t) {
    TransLock tl(*this, *e.t);
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
