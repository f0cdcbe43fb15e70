// tm: replies from downstream (through the ProxyCore reply interceptor)
// and replies sent upstream (relayed or local), final-response selection.
#include "core/base/log.h"
#include "core/proxy/msg_edit.h"
#include "core/proxy/reply.h"
#include "core/proxy/via.h"
#include "core/sip/msg_helpers.h"
#include "modules/tm/tm_core.h"
#include "modules/tm/tm_key.h"
#include "modules/tm/tm_trans.h"

namespace sipcapd::tm {

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
  if (IsInvite(t) && code >= 300) t.delete_at = 0;  // timer H decides
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

bool TmCore::HandleDownstream(MsgContext& rc) {
  sip::Message* msg = sip::Parsed(rc);
  if (!msg || !msg->is_reply()) return false;
  const sip::ViaBody* via = msg->FirstVia();
  auto ref = via ? ParseBranch(via->branch) : std::nullopt;
  if (!ref) return false;
  std::shared_ptr<Transaction> t;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_id_.find(ref->id);
    if (it != by_id_.end()) t = it->second;
  }
  if (!t) return false;  // a late reply (e.g. a 2xx retransmission): stateless
  TransLock tl(*this, *t);
  if (t->deleted || ref->index >= t->branches.size()) return false;
  const sip::CSeqBody* cseq = msg->CSeq();
  if (sip::CallId(*msg) != t->callid) return false;  // a branch keeps the request's Call-ID
  if (!cseq || cseq->method != t->method) {          // e.g. the reply to our CANCEL: absorbed
    if (cseq && cseq->method == "CANCEL") t->branches[ref->index].cancel_next_retr = 0;
    return true;
  }
  ReplyOnBranch(*t, ref->index, rc);
  return true;
}

void TmCore::ReplyOnBranch(Transaction& t, size_t idx, MsgContext& rc) {
  const std::string& buf = rc.buf;
  sip::Message* msg = sip::Parsed(rc);
  int code = msg->status_code();
  Branch& b = t.branches[idx];
  TmCbParams p;
  p.type = kTmcbReplyIn;
  p.is_request = false;
  p.code = code;
  p.msg = buf;
  p.parsed = msg;
  p.proto = rc.rcv.proto;
  p.src = rc.rcv.src;
  p.dst = rc.rcv.dst;
  Fire(t, p);
  int64_t now = NowMs();
  bool ack_needed = IsInvite(t) && code >= 300;
  if (b.final) {  // retransmitted final reply
    if (ack_needed) {
      if (auto ack = BuildAck(*b.msg, *msg); ack.ok()) SendDown(b, *ack);
    } else if (code < 300 && code >= 200 && IsInvite(t)) {
      RelayUp(t, buf, code, false);  // 2xx retransmissions go end to end
    }
    return;
  }
  if (code < 200) {
    b.last_code = std::max(b.last_code, code);
    if (IsInvite(t)) {
      b.next_retr = 0;
      b.fr_deadline = now + int64_t{opts_.fr_inv_timeout_s} * 1000;
    }
    if (b.cancel_pending) SendCancel(t, idx);
  } else {
    b.final = true;
    b.next_retr = 0;
    b.last_code = code;
    if (code >= 300) b.final_reply = buf;  // a 2xx is relayed at once, never "best reply"
    if (ack_needed) {
      if (auto ack = BuildAck(*b.msg, *msg); ack.ok()) SendLocalRequest(t, b, *ack, "ACK");
    } else {
      // Nothing needs the branch as sent any more (no retransmission, no
      // CANCEL, no ACK to build): free it, as the transaction lingers
      // wt_timer seconds (~5 KB of its ~15 KB).
      b.buf = std::string();
      b.msg.reset();
    }
  }
  if (!t.routes.on_reply.empty()) {
    Ext(rc).t = t.self.lock();
    auto out = reg_->script().RunRoute(kOnReplyRoute, t.routes.on_reply, rc);
    if (out.dropped && code < 200) return;
  }
  if (code == 100) return;
  if (code < 200) {
    if (t.uas_code < 200) RelayUp(t, buf, code, false);
    return;
  }
  if (code < 300) {
    RelayUp(t, buf, code, false);
    for (size_t i = 0; i < t.branches.size(); ++i)
      if (!t.branches[i].final && t.branches[i].last_code >= 100) SendCancel(t, i);
    return;
  }
  AllBranchesFinal(t);
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

}  // namespace sipcapd::tm
