// DialogCore: the dialog table of the dialog module and the DialogApi.
// A dialog ended by BYE stays in the table as kDeleted for
// kDeletedLingerMs: with several workers the 2xx ACK of a call can be
// handled after the BYE that follows it (the UAC sends them back to back),
// and that ACK is still reported (kDlgcbReqWithin). Deleted dialogs are
// invisible to DialogOf(), State() and Size().
// Thread-safety: one mutex for the table; callbacks are run without it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/intrusive_index.h"
#include "core/base/timer_wheel.h"
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
  // Its entry in DialogCore's expiry wheel (under DialogCore's mutex):
  // confirmed dialogs, the timeout; deleted ones, the end of the linger.
  TimerHook<Dialog> expiry;
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
  // Every dialog with an expiry, in a timing wheel of 100 ms slots
  // (core/base/timer_wheel.h, a 409.6 s turn: the 32 s linger fits, a
  // 12 h timeout waits in its slot over the turns): setting, replacing (a
  // BYE's linger replaces the timeout: one entry per dialog, never more)
  // and removing an expiry allocate nothing, and Expire() looks only at
  // the slots that came due. It replaced a std::map of per-second buckets
  // (a tree lookup per expiry set, session 10). Under mu_.
  static constexpr int64_t kExpirySlotMs = 100;
  static constexpr size_t kExpirySlots = 4096;
  TimerWheel<Dialog, MemberHook<Dialog, &Dialog::expiry>> expiry_;
  uint64_t next_id_ = 0;
};

int64_t DlgNowMs();

}  // namespace sipcapd::dialog
