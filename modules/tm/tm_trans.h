// Internal to the tm module: the transaction and branch records shared by
// tm_core.cpp (relay, timers, TmApi) and tm_reply.cpp (downstream replies,
// replies upstream). A Transaction is guarded by its own recursive mutex;
// the fields below are only touched with it held.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/base/timer_wheel.h"
#include "core/msg/msg_context.h"
#include "core/proxy/proxy_core.h"
#include "core/sip/message.h"
#include "modules/tm/tm_core.h"

namespace sipcapd::tm {

struct Branch {
  std::string buf;
  std::shared_ptr<sip::Message> msg;
  proxy::Sender* out = nullptr;  // the core listener the branch leaves through
  Proto proto = Proto::kUdp;
  SockAddr local, dst;
  int sent = 0;
  int64_t next_retr = 0;    // 0: no retransmission pending (timers A / E, UDP only)
  int64_t fr_deadline = 0;  // timers B/F
  int last_code = 0;
  bool final = false;
  bool cancel_pending = false, cancelled = false;
  std::string final_reply;  // as received ("" for a local timeout)
  // Our CANCEL of this branch (UDP: retransmitted by timer E until its
  // reply, the branch's final reply, or 64*T1).
  std::string cancel_buf;
  int cancel_sent = 0;
  int64_t cancel_next_retr = 0, cancel_deadline = 0;
};

struct Transaction {
  uint64_t id = 0;
  std::weak_ptr<Transaction> self;
  std::string key, method;
  // TmCore's key index: std::hash of key, and the next transaction in its
  // bucket (under TmCore::mu_).
  size_t key_hash = 0;
  Transaction* key_next = nullptr;
  std::string callid, from_tag;  // of the request (TmCbParams::callid / from_tag)
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
  // Its entry in TmCore's timer wheel (the deadline it is filed under, 0
  // when none). Guarded by TmCore::timer_mu_, not by `mu`.
  TimerHook<Transaction> timer;
};

// The earliest pending timer of t (retransmissions, B/F, G/H, deletion),
// 0 when none or when t is deleted. Caller holds t.mu.
int64_t NextDeadline(const Transaction& t);

// Holds a transaction's lock; on release files the transaction in the tm
// timer wheel under its (possibly changed) earliest deadline. Every change of
// a timer field happens under one of these, so the timer thread only visits
// transactions with a timer due instead of scanning the table.
class TransLock {
 public:
  TransLock(TmCore& core, Transaction& t) : core_(core), t_(t) { t_.mu.lock(); }
  ~TransLock() {
    core_.Rearm(t_);
    t_.mu.unlock();
  }
  TransLock(const TransLock&) = delete;
  TransLock& operator=(const TransLock&) = delete;

 private:
  TmCore& core_;
  Transaction& t_;
};

// tm's per-message extension: the transaction of a request context, or the
// callbacks / route names waiting for it to be created.
struct TmExt : MsgExtension {
  std::shared_ptr<Transaction> t;
  std::vector<std::pair<uint32_t, TmCallback>> pending;
  RouteNames routes;
  std::unique_ptr<MsgExtension> Clone() const override { return std::make_unique<TmExt>(*this); }
};

TmExt& Ext(MsgContext& ctx);
TmExt* FindExt(MsgContext& ctx);

inline bool IsInvite(const Transaction& t) { return t.method == "INVITE"; }

// Where a reply to `req` goes (RFC 3261 §18.2.2 for UDP, as ProxyCore::SendReply).
SockAddr UpstreamDst(MsgContext& req);

}  // namespace sipcapd::tm
