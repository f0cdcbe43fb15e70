// DialogCore: the dialog table of the dialog module and the DialogApi.
// A dialog ended by BYE stays in the table as kDeleted for
// kDeletedLingerMs: with several workers the 2xx ACK of a call can be
// handled after the BYE that follows it (the UAC sends them back to back),
// and that ACK is still reported (kDlgcbReqWithin). Deleted dialogs are
// invisible to DialogOf(), State() and Size().
// Thread-safety: one mutex for the table; callbacks are run without it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/intrusive_index.h"
#include "modules/dialog/dialog_api.h"
#include "modules/tm/tm_api.h"

namespace sipcapd::dialog {

struct Dialog : std::enable_shared_from_this<Dialog> {
  // The fields a Call-ID lookup reads come first (one cache line with the
  // shared_ptr control block in front of them).
  uint64_t id = 0;
  size_t callid_hash = 0;      // std::hash of callid
  Dialog* cid_next = nullptr;  // DialogCore's Call-ID index (under its mutex)
  std::string callid, from_tag, to_tag;
  uint32_t invite_cseq = 0;  // CSeq number of the INVITE that created it
  int state = kUnconfirmed;
  int64_t expires_ms = 0;  // confirmed dialogs: timeout; deleted ones: end of the linger
  // Its place in DialogCore's expiry buckets (under DialogCore's mutex).
  bool exp_linked = false;
  Dialog *exp_prev = nullptr, *exp_next = nullptr;
  // Replaced, never changed in place (RegisterCallback copies it): Fire
  // takes a reference under the lock and runs the callbacks without it.
  using Callbacks = std::vector<std::pair<uint32_t, DlgCallback>>;
  std::shared_ptr<const Callbacks> cbs;
};

class DialogCore : public DialogApi {
 public:
  DialogCore(tm::TmApi* tm, int timeout_s);
  uint64_t CreateDialog(MsgContext& ctx, bool* retransmission = nullptr) override;
  bool RegisterCallback(uint64_t dlg_id, uint32_t mask, DlgCallback cb) override;
  uint64_t DialogOf(MsgContext& ctx) override;
  int State(MsgContext& ctx);  // 0 when none
  // tm hook: every request tm handles.
  void OnRequest(MsgContext& req);
  void Expire(int64_t now_ms);
  size_t Size();           // dialogs not deleted
  size_t ExpiryEntries();  // for tests: entries in the expiry queue

  // How long a dialog ended by BYE still matches a late 2xx ACK (64*T1).
  static constexpr int64_t kDeletedLingerMs = 32000;

 private:
  // The dialog of ctx; deleted (lingering) ones only when with_deleted.
  std::shared_ptr<Dialog> Match(MsgContext& ctx, bool with_deleted = false);
  void Fire(const std::shared_ptr<Dialog>& d, DlgCbParams p);
  void OnReply(uint64_t id, const tm::TmCbParams& p);
  void Remove(uint64_t id);
  using DialogTable = std::unordered_map<uint64_t, std::shared_ptr<Dialog>>;
  void RemoveLocked(DialogTable::iterator it);  // mu_ held
  // d->expires_ms = at, and its entry in the expiry buckets (replacing
  // the one it had); under mu_.
  void SetExpiryLocked(Dialog& d, int64_t at);
  void UnlinkExpiryLocked(Dialog& d);  // no-op when it has no entry

  tm::TmApi* tm_;
  int timeout_s_;
  std::mutex mu_;
  DialogTable by_id_;
  // The dialogs of by_id_ by Call-ID (Dialog::callid_hash / cid_next).
  // It replaced an unordered_multimap whose lookups, at the ~40 k dialogs
  // of a traced proxy at 1200 calls/s, cost ~4.7 us a call in cache
  // misses (session 7).
  IntrusiveIndex<Dialog, MemberLinks<Dialog, &Dialog::cid_next, &Dialog::callid_hash>> by_callid_;
  // The first dialog of Call-ID `callid` (hash h), nullptr when none;
  // CallIdNextLocked(d): the next one.
  Dialog* CallIdFirstLocked(std::string_view callid, size_t h) const;
  Dialog* CallIdNextLocked(Dialog* d) const;
  // Every dialog with an expiry, bucketed by the second it is due
  // (expires_ms / 1000), soonest first: each bucket is a list linked
  // through the dialogs themselves, so setting, replacing (a BYE's linger
  // replaces the 12 h timeout: one entry per dialog, never more) and
  // removing an expiry allocate nothing but a new second's bucket, and
  // Expire() looks only at the buckets that are due.
  std::map<int64_t, Dialog*> expiry_;
  size_t expiry_entries_ = 0;
  uint64_t next_id_ = 0;
};

int64_t DlgNowMs();

}  // namespace sipcapd::dialog
