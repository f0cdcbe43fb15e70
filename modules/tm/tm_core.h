// TmCore: the tm module state: the transaction table, retransmission /
// timeout timers and the relay logic; it also is the TmApi service.
//
// tm owns no socket. A branch leaves through the core listener that
// ProxyCore::Pick chooses (the one the request came in on when its proto
// and address family fit the destination, else the first listener of that
// proto/family, as OpenSIPS), with a Via naming that listener; downstream
// replies therefore arrive on the core listener, which hands them to
// HandleDownstream() through the ProxyCore reply interceptor before any
// stateless reply routing. Replies go upstream through the ProxyCore from
// the listener the request came in on. Retransmission timers (A, E, G)
// run for UDP only; B, F, H for every transport.
//
// Thread-safety: script functions and HandleDownstream run on any worker;
// Run() is the tm timer thread. Table lock `mu_` is never held while a
// transaction lock is taken; a transaction's lock is recursive (a
// failure_route calling t_relay() re-enters it). Timer lock `timer_mu_` is
// a leaf: taken with a transaction lock held (TransLock), never the other
// way round.
//
// Timers: each transaction is filed once in an ordered set under its
// earliest pending deadline (TransLock refiles it whenever its lock is
// released), so a tick costs O(due transactions · log n), not a scan of
// every live transaction (completed ones linger wt_timer seconds: at 2000
// calls/s that is ~20k transactions, which the old per-tick scan visited
// 100 times a second).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/base/intrusive_index.h"
#include "core/base/timer_wheel.h"
#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"
#include "modules/tm/tm_api.h"

namespace sipcapd::tm {

struct TmOptions {
  int fr_timeout_s = 5;        // timers B/F: final reply wait
  int fr_inv_timeout_s = 120;  // INVITE after a provisional reply
  int64_t t1_ms = 500;
  int64_t t2_ms = 4000;
  int wt_timer_s = 5;  // how long a completed transaction is kept
};

struct TmStats {
  Stat transactions, relayed_replies, local_replies, timeouts, retransmissions, absorbed;
  Stat inuse_transactions;  // gauge: live transactions (OpenSIPS's name)
};

struct Transaction;
struct Branch;
struct RouteNames {
  std::string on_reply, on_failure, on_branch;
};

class TmCore : public TmApi {
 public:
  // `stats` must outlive the core.
  TmCore(TmOptions o, Registrar* reg, proxy::ProxyCore* core, TmStats* stats);
  ~TmCore() override;
  TmOptions& options() { return opts_; }
  TmStats& stats() { return stats_; }

  // Registers HandleDownstream as the ProxyCore reply interceptor (init).
  Status Attach();
  // The tm timer thread: Tick() every 10 ms until `stop`.
  void Run(const std::atomic<bool>& stop);

  // Script functions (return values as OpenSIPS: >0 true, <0 false, 0 stop).
  int Relay(MsgContext& ctx, const proxy::Destination* dest);
  int NewTran(MsgContext& ctx);
  int Reply(MsgContext& ctx, int code, std::string_view reason);
  int CheckTrans(MsgContext& ctx);
  enum class RouteKind { kReply, kFailure, kBranch };
  void SetRoute(MsgContext& ctx, RouteKind k, std::string name);

  // TmApi
  bool RegisterCallback(MsgContext& ctx, uint32_t mask, TmCallback cb) override;
  void OnNewRequest(TmRequestHook hook) override { hooks_.push_back(std::move(hook)); }
  uint64_t TransactionId(MsgContext& ctx) override;

  // A reply received by a core listener (ctx.rcv says where). True when it
  // belongs to a tm branch of a live transaction (then tm relays, absorbs
  // or drops it); false lets the core route it statelessly (not ours, or a
  // late reply of a deleted transaction). Public for tests.
  bool HandleDownstream(MsgContext& reply);
  // One timer tick: handles every transaction with a timer due at now_ms
  // (public for tests).
  void Tick(int64_t now_ms);
  size_t Size();
  // Files t in the timer wheel under NextDeadline(t) (removes it when 0).
  // Caller holds t.mu; used by TransLock.
  void Rearm(Transaction& t);
  // Transactions currently filed in the timer wheel (for tests).
  size_t Armed();

 private:
  std::shared_ptr<Transaction> Find(const std::string& key);
  // Creates the transaction of ctx under `key`, unless one exists (a copy
  // of the request handled concurrently): then *existed and that one.
  std::shared_ptr<Transaction> Create(MsgContext& ctx, const std::string& key, bool* existed);
  // A request retransmission: resends the last reply upstream; returns 0.
  int Absorb(Transaction& t);
  int AddBranch(Transaction& t, MsgContext& ctx, const proxy::Destination* dest);
  void RelayUp(Transaction& t, std::string text, int code, bool local);
  void LocalReply(Transaction& t, int code, std::string_view reason);
  void AllBranchesFinal(Transaction& t);
  void SendCancel(Transaction& t, size_t idx);
  bool SendDown(const Branch& b, const std::string& data);
  // Sends a request tm generates (CANCEL, ACK) on branch b; fires
  // kTmcbRequestOut | kTmcbLocalRequest when it went out.
  void SendLocalRequest(Transaction& t, const Branch& b, const std::string& msg,
                        const char* method);
  void ReplyOnBranch(Transaction& t, size_t idx, MsgContext& reply);
  void Fire(Transaction& t, TmCbParams& p);
  void Delete(const std::shared_ptr<Transaction>& t);
  int CancelRequest(MsgContext& ctx);

  TmOptions opts_;
  Registrar* reg_;
  proxy::ProxyCore* core_;
  TmStats& stats_;
  std::vector<TmRequestHook> hooks_;
  std::mutex mu_;
  // The live transactions: by_id_ owns them; by_key_ finds them by
  // matching key (Transaction::key_hash / key_next). It replaced an
  // unordered_map<string, shared_ptr> whose nodes (and their key strings)
  // were one more cache miss a lookup (session 9).
  std::unordered_map<uint64_t, std::shared_ptr<Transaction>> by_id_;
  struct KeyLinks {  // Transaction is incomplete here (tm_trans.h)
    static Transaction*& Next(Transaction& t);
    static size_t Hash(const Transaction& t);
  };
  IntrusiveIndex<Transaction, KeyLinks> by_key_;
  Transaction* FindKeyLocked(std::string_view key, size_t h) const;
  std::atomic<uint64_t> next_id_{0};
  // The armed transactions (Transaction::timer), in a timing wheel of
  // 8 ms slots (core/base/timer_wheel.h), so arming, re-arming and
  // disarming allocate nothing and touch only the transaction and its
  // slot's list. It replaced a std::set ordered by deadline whose node
  // allocation and rebalancing cost the workers ~7 us a call (a tree of
  // ~25 k entries at 4.5 k calls/s; session 9). A transaction is alive
  // while filed: Delete() happens under TransLock. A deadline further out
  // than the wheel's span (fr_inv_timeout) waits in its slot. Under
  // timer_mu_.
  static constexpr int64_t kSlotMs = 8;
  static constexpr size_t kSlots = 8192;  // 65.5 s of slots
  // Transaction is incomplete here (tm_trans.h).
  struct TimerHooks {
    static TimerHook<Transaction>& Hook(Transaction& t);
  };
  std::mutex timer_mu_;
  TimerWheel<Transaction, TimerHooks> wheel_;
};

int64_t NowMs();

}  // namespace sipcapd::tm
