// TmCore: the tm module state: the transaction table, the downstream UDP
// socket, retransmission/timeout timers and the relay logic; it also is the
// TmApi service.
//
// Requests relayed statefully leave through tm's own UDP socket (bound to
// the first UDP listen address, port chosen by the OS) with a Via naming
// that socket, so downstream replies come back to tm and never reach the
// core's stateless reply path (the core has no reply hook for modules).
// Replies go upstream through the ProxyCore from the listener the request
// came in on.
//
// Thread-safety: script functions run on any worker; Run() is the tm
// thread (receive + timers). Table lock `mu_` is never held while a
// transaction lock is taken; a transaction's lock is recursive (a
// failure_route calling t_relay() re-enters it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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
};

struct Transaction;
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

  // Opens the downstream socket on `bind_ip` (port 0).
  Status Open(const std::string& bind_ip);
  // The tm thread: downstream replies and timers until `stop`.
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

  // Exposed for tests: handle one datagram from downstream / one timer tick.
  void HandleDownstream(std::string buf, const SockAddr& src);
  void Tick(int64_t now_ms);
  size_t Size();

 private:
  std::shared_ptr<Transaction> Find(const std::string& key);
  std::shared_ptr<Transaction> Create(MsgContext& ctx, const std::string& key);
  int AddBranch(Transaction& t, MsgContext& ctx, const proxy::Destination* dest);
  void RelayUp(Transaction& t, std::string text, int code, bool local);
  void LocalReply(Transaction& t, int code, std::string_view reason);
  void AllBranchesFinal(Transaction& t);
  void SendCancel(Transaction& t, size_t idx);
  bool SendDown(const SockAddr& dst, const std::string& data);
  void Fire(Transaction& t, TmCbParams& p);
  void Delete(const std::shared_ptr<Transaction>& t);
  int CancelRequest(MsgContext& ctx);

  TmOptions opts_;
  Registrar* reg_;
  proxy::ProxyCore* core_;
  TmStats& stats_;
  int fd_ = -1;
  SockAddr local_;
  std::vector<TmRequestHook> hooks_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Transaction>> by_key_;
  std::unordered_map<uint64_t, std::shared_ptr<Transaction>> by_id_;
  std::atomic<uint64_t> next_id_{0};
};

int64_t NowMs();

}  // namespace sipcapd::tm
