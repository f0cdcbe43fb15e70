#include "modules/dialog/dialog_core.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "core/sip/msg_helpers.h"

namespace sipcapd::dialog {
namespace {

constexpr const char* kExt = "dialog";
struct DlgExt : MsgExtension {
  uint64_t id = 0;
  std::unique_ptr<MsgExtension> Clone() const override { return std::make_unique<DlgExt>(*this); }
};

// The Call-ID index's hash (Dialog::callid_hash): the same for linking
// and for every lookup.
size_t CallIdHash(std::string_view callid) { return std::hash<std::string_view>{}(callid); }
}  // namespace

int64_t DlgNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

DialogCore::DialogCore(tm::TmApi* tm, int timeout_s)
    : tm_(tm), timeout_s_(timeout_s), expiry_(kExpirySlotMs, kExpirySlots, DlgNowMs()) {}

uint64_t DialogCore::CreateDialog(MsgContext& ctx, bool* retransmission) {
  if (retransmission) *retransmission = false;
  if (auto it = ctx.ext.find(kExt); it != ctx.ext.end())
    return static_cast<DlgExt&>(*it->second).id;
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request() || m->method() != "INVITE" || !sip::ToTag(*m).empty()) return 0;
  auto d = std::make_shared<Dialog>();
  d->callid = std::string(sip::CallId(*m));
  d->callid_hash = CallIdHash(d->callid);
  d->from_tag = std::string(sip::FromTag(*m));
  const sip::CSeqBody* cseq = m->CSeq();
  d->invite_cseq = cseq ? cseq->number : 0;
  auto attach = [&ctx](uint64_t id) {
    auto e = std::make_unique<DlgExt>();
    e->id = id;
    ctx.ext[kExt] = std::move(e);
  };
  {
    std::lock_guard<std::mutex> l(mu_);
    for (Dialog* old = CallIdFirstLocked(d->callid, d->callid_hash); old;
         old = CallIdNextLocked(old)) {
      if (old->state != kDeleted && old->from_tag == d->from_tag &&
          old->invite_cseq == d->invite_cseq) {  // a retransmission of its INVITE
        if (retransmission) *retransmission = true;
        attach(old->id);
        return old->id;
      }
    }
    d->id = ++next_id_;
    by_id_[d->id] = d;
    by_callid_.Link(d.get());
  }
  attach(d->id);
  uint64_t id = d->id;
  tm_->RegisterCallback(ctx, tm::kTmcbReplyIn | tm::kTmcbTransEnd,
                        [this, id](const tm::TmCbParams& p) { OnReply(id, p); });
  DlgCbParams p;
  p.type = kDlgcbCreated;
  p.req = &ctx;
  Fire(d, p);
  return id;
}

void DialogCore::OnReply(uint64_t id, const tm::TmCbParams& p) {
  // Runs under the INVITE transaction's lock, before tm relays the reply
  // upstream: a 2xx has confirmed the dialog (and recorded its To tag)
  // before the UAC can send the ACK or the BYE.
  std::shared_ptr<Dialog> d;
  bool failed = false;  // this event ended a dialog that never got confirmed
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    d = it->second;
    if (p.type == tm::kTmcbTransEnd || p.code >= 300) {
      failed = d->state < kConfirmed;
      if (failed) d->state = kDeleted;
    } else if (p.code >= 200) {
      if (d->state < kConfirmed) {
        d->state = kConfirmed;
        expiry_.Set(*d, DlgNowMs() + int64_t{timeout_s_} * 1000);
        if (p.parsed) {
          d->to_tag = std::string(sip::ToTag(*p.parsed));
        } else {
          auto msg = sip::Message::Parse(p.msg);
          d->to_tag = std::string(sip::ToTag(*msg));
        }
      }
    } else if (p.code > 100 && d->state == kUnconfirmed) {
      d->state = kEarly;
    }
  }
  if (p.type == tm::kTmcbReplyIn) {
    DlgCbParams c;
    c.type = kDlgcbReply;
    c.code = p.code;
    Fire(d, c);
  }
  // A dialog ended by BYE lingers (see Expire); a failed one goes now.
  if (failed) Remove(id);
}

bool DialogCore::RegisterCallback(uint64_t id, uint32_t mask, DlgCallback cb) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  auto cbs = it->second->cbs ? std::make_shared<Dialog::Callbacks>(*it->second->cbs)
                             : std::make_shared<Dialog::Callbacks>();
  cbs->emplace_back(mask, std::move(cb));
  it->second->cbs = std::move(cbs);
  return true;
}

std::shared_ptr<Dialog> DialogCore::Match(MsgContext& ctx, bool with_deleted) {
  if (auto it = ctx.ext.find(kExt); it != ctx.ext.end()) {
    std::lock_guard<std::mutex> l(mu_);
    auto d = by_id_.find(static_cast<DlgExt&>(*it->second).id);
    if (d == by_id_.end() || (!with_deleted && d->second->state == kDeleted)) return nullptr;
    return d->second;
  }
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return nullptr;
  std::string_view callid = sip::CallId(*m);
  std::string_view ft = sip::FromTag(*m), tt = sip::ToTag(*m);
  const size_t h = CallIdHash(callid);
  std::lock_guard<std::mutex> l(mu_);
  for (Dialog* d = CallIdFirstLocked(callid, h); d; d = CallIdNextLocked(d)) {
    if (!with_deleted && d->state == kDeleted) continue;
    bool fwd = ft == d->from_tag && (tt == d->to_tag || d->to_tag.empty() || tt.empty());
    bool rev = tt == d->from_tag && ft == d->to_tag;
    if (fwd || rev) return d->shared_from_this();
  }
  return nullptr;
}

uint64_t DialogCore::DialogOf(MsgContext& ctx) {
  auto d = Match(ctx);
  return d ? d->id : 0;
}

int DialogCore::State(MsgContext& ctx) {
  auto d = Match(ctx);
  if (!d) return 0;
  std::lock_guard<std::mutex> l(mu_);
  return d->state;
}

void DialogCore::OnRequest(MsgContext& req) {
  sip::Message* m = sip::Parsed(req);
  if (!m || !m->is_request() || sip::ToTag(*m).empty()) return;
  auto d = Match(req, true);
  if (!d) return;
  DlgCbParams p;
  p.req = &req;
  p.dlg_id = d->id;
  bool deleted;
  {
    std::lock_guard<std::mutex> l(mu_);
    deleted = d->state == kDeleted;
  }
  // An ended dialog still gets its 2xx ACK that another worker handled
  // after the BYE; nothing else.
  if (deleted && m->method() != "ACK") return;
  if (!deleted && m->method() == "BYE") {
    {
      std::lock_guard<std::mutex> l(mu_);
      // Checked again under the lock: two BYEs on two workers end it once.
      if (d->state == kDeleted) return;
      d->state = kDeleted;
      expiry_.Set(*d, DlgNowMs() + kDeletedLingerMs);
    }
    p.type = kDlgcbTerminated;
    Fire(d, p);
    return;
  }
  p.type = kDlgcbReqWithin;
  Fire(d, p);
}

void DialogCore::Fire(const std::shared_ptr<Dialog>& d, DlgCbParams p) {
  std::shared_ptr<const Dialog::Callbacks> cbs;
  {
    std::lock_guard<std::mutex> l(mu_);
    cbs = d->cbs;
    p.state = d->state;
  }
  p.dlg_id = d->id;
  if (!cbs) return;
  for (const auto& [mask, cb] : *cbs)
    if (mask & p.type) cb(p);
}

void DialogCore::Remove(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_id_.find(id);
  if (it != by_id_.end()) RemoveLocked(it);
}

void DialogCore::RemoveLocked(DialogTable::iterator it) {
  expiry_.Remove(*it->second);
  by_callid_.Unlink(it->second.get());
  by_id_.erase(it);
}

Dialog* DialogCore::CallIdFirstLocked(std::string_view callid, size_t h) const {
  return by_callid_.Find(h, [callid](const Dialog& d) { return d.callid == callid; });
}

Dialog* DialogCore::CallIdNextLocked(Dialog* d) const {
  return by_callid_.Find(
      d->callid_hash, [d](const Dialog& n) { return n.callid == d->callid; }, d);
}

void DialogCore::Expire(int64_t now) {
  std::vector<std::shared_ptr<Dialog>> gone;
  {
    std::lock_guard<std::mutex> l(mu_);
    expiry_.Expire(now, [this, &gone](Dialog& e) {
      auto it = by_id_.find(e.id);
      if (it == by_id_.end()) return;
      if (e.state == kConfirmed) {  // its timeout: ended below, without the lock
        e.state = kDeleted;
        gone.push_back(it->second);
      } else if (e.state == kDeleted) {
        RemoveLocked(it);  // its linger is over
      }
    });
  }
  for (auto& d : gone) {
    DlgCbParams p;
    p.type = kDlgcbTerminated;
    Fire(d, p);
    Remove(d->id);
  }
}

size_t DialogCore::ExpiryEntries() {
  std::lock_guard<std::mutex> l(mu_);
  return expiry_.size();
}

size_t DialogCore::Size() {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [id, d] : by_id_) n += d->state != kDeleted;
  return n;
}

}  // namespace sipcapd::dialog
