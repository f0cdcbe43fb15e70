// link: tm_logic
// TmCore through the core's ProxyCore: branches leave through the listener
// (fake Senders) the core picks, with that listener's Via; downstream
// replies come back through proxy::ProcessSip and the reply interceptor.
#include "modules/tm/tm_core.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/proxy/forward.h"
#include "core/sip/message.h"
#include "core/sip/msg_helpers.h"
#include "modules/tm/tm_key.h"
#include "test/unit/core/proxy/fake_sender.h"

namespace sipcapd::tm {
namespace {

SockAddr Addr(const char* ip, uint16_t port) { return SockAddr{*IpAddr::Parse(ip), port}; }

using proxy::testing::FakeSender;

class NoScript : public ScriptRunner {
 public:
  bool HasRoute(uint32_t, std::string_view) const override { return false; }
  Outcome RunRoute(uint32_t, std::string_view, MsgContext&) override { return {}; }
  void ReceiveSip(MsgContext&) override {}
};

class FakeRegistrar : public Registrar {
 public:
  const std::string& module_name() const override { return name_; }
  StatsRegistry& stats() override { return stats_; }
  const CoreConfig& config() const override { return cfg_; }
  ScriptRunner& script() override { return script_; }
  Timers& timers() override { std::abort(); }
  Status PublishService(const std::string&, void*) override { return Status::Ok(); }
  void* FindService(const std::string&) override { return nullptr; }
  VarStore* WorkerVars() override { return nullptr; }
  NoScript script_;

 private:
  std::string name_ = "tm";
  StatsRegistry stats_;
  CoreConfig cfg_;
};

const char kInvite[] =
    "INVITE sip:bob@192.0.2.50:5070 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKabc\r\n"
    "Max-Forwards: 70\r\nTo: <sip:bob@b>\r\nFrom: <sip:a@a>;tag=1\r\n"
    "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

// The reply a UAS sends to `req` (the branch as sent: Vias copied).
std::string ReplyTo(const std::string& req, int code, const char* reason) {
  auto m = sip::Message::Parse(req);
  std::string out = "SIP/2.0 " + std::to_string(code) + " " + reason + "\r\n";
  size_t pos = req.find("\r\n") + 2;
  while (pos < req.size()) {
    size_t e = req.find("\r\n", pos);
    std::string line = req.substr(pos, e - pos);
    if (line.empty()) break;
    if (line.rfind("Via:", 0) == 0 || line.rfind("From:", 0) == 0 ||
        line.rfind("Call-ID:", 0) == 0 || line.rfind("CSeq:", 0) == 0)
      out += line + "\r\n";
    if (line.rfind("To:", 0) == 0) out += line + ";tag=uas\r\n";
    pos = e + 2;
  }
  return out + "Content-Length: 0\r\n\r\n";
}

// The CANCEL a UAC sends for `invite` (same Via branch, CSeq number).
std::string CancelOf(const std::string& invite) {
  std::string c = invite;
  c.replace(0, 6, "CANCEL");
  c.replace(c.find("CSeq: 1 INVITE"), 14, "CSeq: 1 CANCEL");
  return c;
}

struct TmCoreTest : ::testing::Test {
  proxy::ProxyCore core;
  FakeSender a{Proto::kUdp, Addr("127.0.0.1", 5060)};
  FakeSender b{Proto::kUdp, Addr("127.0.0.2", 5070)};
  FakeSender tcp{Proto::kTcp, Addr("127.0.0.1", 5060)};
  FakeRegistrar reg;
  TmStats stats;
  std::unique_ptr<TmCore> tm;
  std::vector<TmCbParams> seen;
  std::vector<std::string> seen_msgs;

  void SetUp() override {
    core.AddSender(&a);
    core.AddSender(&b);
    core.AddSender(&tcp);
    TmOptions o;
    tm = std::make_unique<TmCore>(o, &reg, &core, &stats);
    ASSERT_TRUE(tm->Attach().ok());
  }
  MsgContext Request(const char* text, FakeSender& in) {
    MsgContext ctx;
    ctx.buf = text;
    ctx.rcv.src = Addr("10.0.0.1", 5062);
    ctx.rcv.dst = in.local();
    ctx.rcv.proto = Proto::kUdp;
    ctx.rcv.listener = in.name();
    return ctx;
  }
  // Relays kInvite, received on `a`, statefully; *branch_req: the request
  // sent to the branch. Call through ASSERT_NO_FATAL_FAILURE.
  void RelayInvite(std::string* branch_req) {
    MsgContext ctx = Request(kInvite, a);
    ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
    *branch_req = a.sent.back().data;
  }
  // A reply arriving on listener `in` from the UAS, through the core.
  proxy::ProcessResult Downstream(const std::string& text, FakeSender& in) {
    MsgContext ctx;
    ctx.buf = text;
    ctx.rcv.src = Addr("192.0.2.50", 5070);
    ctx.rcv.dst = in.local();
    ctx.rcv.proto = in.proto();
    ctx.rcv.listener = in.name();
    return proxy::ProcessSip(core, reg.script_, ctx);
  }
  void Watch(MsgContext& ctx) {
    ASSERT_TRUE(tm->RegisterCallback(ctx, 0xff, [this](const TmCbParams& p) {
      seen.push_back(p);
      seen_msgs.emplace_back(p.msg);
    }));
  }
};

TEST_F(TmCoreTest, BranchLeavesThroughTheListenerTheRequestCameInOn) {
  MsgContext ctx = Request(kInvite, b);
  Watch(ctx);
  ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
  EXPECT_TRUE(a.sent.empty());
  ASSERT_EQ(b.sent.size(), 2u);  // 100 Trying upstream, INVITE downstream
  EXPECT_EQ(b.Count("SIP/2.0 100"), 1u);
  const auto& inv = b.sent[1];
  EXPECT_EQ(inv.dst.ToString(), "192.0.2.50:5070");
  EXPECT_NE(inv.data.find("Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKtm"), std::string::npos)
      << inv.data;
  bool out_seen = false;
  for (const auto& p : seen)
    if (p.type == kTmcbRequestOut) {
      out_seen = true;
      EXPECT_EQ(p.src.ToString(), "127.0.0.2:5070");
      EXPECT_EQ(p.dst.ToString(), "192.0.2.50:5070");
    }
  EXPECT_TRUE(out_seen);
}

TEST_F(TmCoreTest, RepliesComeBackThroughTheCoreInterceptor) {
  MsgContext ctx = Request(kInvite, a);
  Watch(ctx);
  ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
  std::string branch_req = a.sent.back().data;
  EXPECT_EQ(Downstream(ReplyTo(branch_req, 180, "Ringing"), a), proxy::ProcessResult::kReplyTaken);
  ASSERT_EQ(a.Count("SIP/2.0 180"), 1u);
  const auto& up = a.sent.back();
  EXPECT_EQ(up.dst.ToString(), "10.0.0.1:5062");
  EXPECT_EQ(up.data.find("z9hG4bKtm"), std::string::npos) << "our Via not removed";
  bool in_seen = false;
  for (const auto& p : seen)
    if (p.type == kTmcbReplyIn) {
      in_seen = true;
      EXPECT_EQ(p.src.ToString(), "192.0.2.50:5070");
      EXPECT_EQ(p.dst.ToString(), "127.0.0.1:5060");  // the listener, not an ephemeral socket
    }
  EXPECT_TRUE(in_seen);
  // A reply that is no tm branch goes the stateless way (not ours: dropped).
  std::string foreign = ReplyTo(kInvite, 200, "OK");
  EXPECT_NE(Downstream(foreign, a), proxy::ProcessResult::kReplyTaken);
}

TEST_F(TmCoreTest, RequestRetransmissionIsAbsorbed) {
  MsgContext ctx = Request(kInvite, a);
  ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
  MsgContext again = Request(kInvite, a);
  EXPECT_EQ(tm->Relay(again, nullptr), 0);
  EXPECT_EQ(stats.absorbed.Get(), 1);
  EXPECT_EQ(a.Count("INVITE "), 1u);
  EXPECT_EQ(a.Count("SIP/2.0 100"), 2u);  // the last reply is resent
  EXPECT_EQ(tm->Size(), 1u);
}

TEST_F(TmCoreTest, ConcurrentCopiesMakeOneTransaction) {
  constexpr int kThreads = 8;
  std::vector<std::thread> th;
  std::atomic<int> created{0}, absorbed{0};
  for (int i = 0; i < kThreads; ++i)
    th.emplace_back([&] {
      MsgContext c = Request(kInvite, a);
      int rc = tm->NewTran(c);
      (rc == 1 ? created : absorbed)++;
    });
  for (auto& x : th) x.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(absorbed.load(), kThreads - 1);
  EXPECT_EQ(tm->Size(), 1u);
}

TEST_F(TmCoreTest, TimerARetransmitsThroughTheSameListener) {
  MsgContext ctx = Request(kInvite, b);
  ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
  int64_t now = NowMs();
  tm->Tick(now + 510);
  tm->Tick(now + 1520);
  EXPECT_EQ(b.Count("INVITE "), 3u);
  EXPECT_EQ(stats.retransmissions.Get(), 2);
  EXPECT_TRUE(a.sent.empty());
}

TEST_F(TmCoreTest, NonSuccessFinalIsAckedHopByHop) {
  std::string branch_req;
  ASSERT_NO_FATAL_FAILURE(RelayInvite(&branch_req));
  auto br = sip::Message::Parse(branch_req);
  std::string branch(br->FirstVia()->branch);
  EXPECT_EQ(Downstream(ReplyTo(branch_req, 486, "Busy Here"), a),
            proxy::ProcessResult::kReplyTaken);
  ASSERT_EQ(a.Count("ACK "), 1u);
  std::string ack;
  for (const auto& o : a.sent)
    if (o.data.rfind("ACK ", 0) == 0) ack = o.data;
  auto am = sip::Message::Parse(ack);
  EXPECT_EQ(am->FirstVia()->branch, branch);
  EXPECT_EQ(a.Count("SIP/2.0 486"), 1u);
  // The UAS retransmits its 486: ACKed again, not relayed again.
  EXPECT_EQ(Downstream(ReplyTo(branch_req, 486, "Busy Here"), a),
            proxy::ProcessResult::kReplyTaken);
  EXPECT_EQ(a.Count("ACK "), 2u);
  EXPECT_EQ(a.Count("SIP/2.0 486"), 1u);
}

TEST_F(TmCoreTest, LateSuccessAfterTheTransactionEndsGoesStateless) {
  std::string branch_req;
  ASSERT_NO_FATAL_FAILURE(RelayInvite(&branch_req));
  std::string ok = ReplyTo(branch_req, 200, "OK");
  ASSERT_EQ(Downstream(ok, a), proxy::ProcessResult::kReplyTaken);
  EXPECT_EQ(a.Count("SIP/2.0 200"), 1u);
  tm->Tick(NowMs() + 60000);  // wt_timer: the transaction is gone
  EXPECT_EQ(tm->Size(), 0u);
  EXPECT_EQ(Downstream(ok, a), proxy::ProcessResult::kReplyForwarded);
  ASSERT_EQ(a.Count("SIP/2.0 200"), 2u);
  EXPECT_EQ(a.sent.back().dst.ToString(), "10.0.0.1:5062");
  EXPECT_EQ(a.sent.back().data.find("z9hG4bKtm"), std::string::npos);
}

TEST_F(TmCoreTest, ReplyToOurCancelIsAbsorbed) {
  std::string branch_req;
  ASSERT_NO_FATAL_FAILURE(RelayInvite(&branch_req));
  ASSERT_EQ(Downstream(ReplyTo(branch_req, 180, "Ringing"), a), proxy::ProcessResult::kReplyTaken);
  MsgContext cctx = Request(CancelOf(kInvite).c_str(), a);
  ASSERT_EQ(tm->Relay(cctx, nullptr), 1);
  std::string our_cancel;
  for (const auto& o : a.sent)
    if (o.data.rfind("CANCEL ", 0) == 0) our_cancel = o.data;
  ASSERT_FALSE(our_cancel.empty());
  int64_t now = NowMs();
  tm->Tick(now + 510);  // timer E: our CANCEL is retransmitted until its reply
  EXPECT_EQ(a.Count("CANCEL "), 2u);
  size_t sent_before = a.sent.size();
  EXPECT_EQ(Downstream(ReplyTo(our_cancel, 200, "OK"), a), proxy::ProcessResult::kReplyTaken);
  EXPECT_EQ(a.sent.size(), sent_before) << "the 200 to tm's CANCEL must not go upstream";
  tm->Tick(now + 3000);
  EXPECT_EQ(a.Count("CANCEL "), 2u) << "CANCEL retransmitted after its 200";
}

TEST_F(TmCoreTest, TcpBranchUsesTheTcpListenerWithoutRetransmissions) {
  MsgContext ctx = Request(kInvite, a);
  proxy::Destination d;
  d.proto = Proto::kTcp;
  d.host = "192.0.2.60";
  d.port = 5080;
  ASSERT_EQ(tm->Relay(ctx, &d), 1);
  ASSERT_EQ(tcp.sent.size(), 1u);
  EXPECT_NE(tcp.sent[0].data.find("Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKtm"),
            std::string::npos);
  tm->Tick(NowMs() + 2000);
  EXPECT_EQ(tcp.sent.size(), 1u);
}

TEST_F(TmCoreTest, OtherFamilyLeavesThroughThatFamilysListener) {
  FakeSender v6{Proto::kUdp, Addr("::1", 5090)};
  core.AddSender(&v6);
  MsgContext ctx = Request(kInvite, a);  // in on IPv4
  proxy::Destination d;
  d.host = "::1";
  d.port = 5080;
  ASSERT_EQ(tm->Relay(ctx, &d), 1);
  core.RemoveSender(&v6);
  ASSERT_EQ(v6.sent.size(), 1u);
  EXPECT_NE(v6.sent[0].data.find("Via: SIP/2.0/UDP [::1]:5090;branch=z9hG4bKtm"), std::string::npos)
      << v6.sent[0].data;
  EXPECT_EQ(a.Count("INVITE "), 0u);
  EXPECT_EQ(a.Count("SIP/2.0 100"), 1u);  // upstream stays on the IPv4 listener
}

TEST_F(TmCoreTest, NoListenerForTheDestinationFails) {
  MsgContext ctx = Request(kInvite, a);
  proxy::Destination d;
  d.host = "::1";
  d.port = 5080;
  EXPECT_EQ(tm->Relay(ctx, &d), -1);
  EXPECT_EQ(tm->Size(), 1u);  // t_reply() may still answer it
  tm->Tick(NowMs() + 6000);   // fr_timeout (5 s) later it is gone
  EXPECT_EQ(tm->Size(), 0u);
}

// Every callback carries the transaction's Call-ID and From tag (callers
// need not parse the message for them), and the parsed message where tm
// has it: branches out and replies in.
TEST_F(TmCoreTest, CallbacksCarryCallIdFromTagAndTheParsedMessage) {
  MsgContext ctx = Request(kInvite, a);
  struct Seen {
    uint32_t type;
    std::string callid, from_tag, parsed_callid;
    bool parsed;
  };
  std::vector<Seen> got;
  ASSERT_TRUE(tm->RegisterCallback(ctx, 0xff, [&got](const TmCbParams& p) {
    got.push_back({p.type, std::string(p.callid), std::string(p.from_tag),
                   p.parsed ? std::string(sip::CallId(*p.parsed)) : "", p.parsed != nullptr});
  }));
  ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
  std::string branch_req = a.sent.back().data;
  ASSERT_EQ(Downstream(ReplyTo(branch_req, 180, "Ringing"), a), proxy::ProcessResult::kReplyTaken);
  ASSERT_EQ(Downstream(ReplyTo(branch_req, 200, "OK"), a), proxy::ProcessResult::kReplyTaken);
  size_t out = 0, in = 0;
  for (const Seen& g : got) {
    EXPECT_EQ(g.callid, "c1") << g.type;
    EXPECT_EQ(g.from_tag, "1") << g.type;
    if (g.parsed) {
      EXPECT_EQ(g.parsed_callid, "c1") << g.type;
    }
    if (g.type == kTmcbRequestOut) out += g.parsed;
    if (g.type == kTmcbReplyIn) in += g.parsed;
  }
  EXPECT_EQ(out, 1u);
  EXPECT_EQ(in, 2u);
  EXPECT_GE(got.size(), 5u);  // + the 100, 180 and 200 upstream
}

// A branch answered 2xx frees what it sent; the transaction still relays
// 2xx retransmissions and a late CANCEL finds nothing to cancel.
TEST_F(TmCoreTest, AnsweredBranchStillRelays2xxRetransmissionsAndIgnoresLateCancel) {
  std::string branch_req;
  ASSERT_NO_FATAL_FAILURE(RelayInvite(&branch_req));
  std::string ok = ReplyTo(branch_req, 200, "OK");
  ASSERT_EQ(Downstream(ok, a), proxy::ProcessResult::kReplyTaken);
  ASSERT_EQ(Downstream(ok, a), proxy::ProcessResult::kReplyTaken);  // retransmitted 2xx
  EXPECT_EQ(a.Count("SIP/2.0 200"), 2u);
  MsgContext cctx = Request(CancelOf(kInvite).c_str(), a);
  EXPECT_EQ(tm->Relay(cctx, nullptr), 1);
  EXPECT_EQ(a.Count("CANCEL "), 0u);
  tm->Tick(NowMs() + 1000);  // no timer A: nothing retransmitted
  EXPECT_EQ(a.Count("INVITE "), 1u);
}

// The timer wheel: every live transaction is filed once under its earliest
// deadline; a tick before any deadline touches nothing, a tick past them
// all (several turns of the wheel) deletes every transaction and leaves the
// wheel empty.
TEST_F(TmCoreTest, TimerSetFilesEachTransactionOnceUnderItsEarliestDeadline) {
  constexpr int kCalls = 50;
  int64_t start = NowMs();
  std::vector<std::string> branches;
  for (int i = 0; i < kCalls; ++i) {
    std::string inv = kInvite;
    inv.replace(inv.find("Call-ID: c1"), 11, "Call-ID: c" + std::to_string(100 + i));
    inv.replace(inv.find("branch=z9hG4bKabc"), 17, "branch=z9hG4bKa" + std::to_string(100 + i));
    MsgContext ctx = Request(inv.c_str(), a);
    ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
    branches.push_back(a.sent.back().data);
  }
  EXPECT_EQ(tm->Size(), size_t{kCalls});
  EXPECT_EQ(tm->Armed(), size_t{kCalls});  // timer A of each branch
  tm->Tick(start - 1);                     // nothing due yet
  EXPECT_EQ(a.Count("INVITE "), size_t{kCalls});
  // Half get their 200 (kept wt_timer = 5 s), half only ring (timer C, 120 s).
  for (int i = 0; i < kCalls; ++i)
    ASSERT_EQ(Downstream(ReplyTo(branches[i], i % 2 ? 180 : 200, i % 2 ? "Ringing" : "OK"), a),
              proxy::ProcessResult::kReplyTaken);
  EXPECT_EQ(tm->Armed(), size_t{kCalls});
  tm->Tick(NowMs() + 1000);  // past timer A: nobody retransmits (all answered)
  EXPECT_EQ(a.Count("INVITE "), size_t{kCalls});
  EXPECT_EQ(tm->Size(), size_t{kCalls});
  tm->Tick(NowMs() + 6000);  // past wt_timer: the answered half is gone
  EXPECT_EQ(tm->Size(), size_t{kCalls / 2});
  EXPECT_EQ(tm->Armed(), size_t{kCalls / 2});
  tm->Tick(NowMs() + 121000);  // past timer C: 408 upstream, CANCEL down
  EXPECT_EQ(a.Count("CANCEL "), size_t{kCalls / 2});
  for (int i = 0; i < kCalls; ++i) {  // the ringing ones, and only those, got a 408
    std::string cid = "Call-ID: c" + std::to_string(100 + i) + "\r\n";
    bool got = false;
    for (const auto& o : a.sent)
      got = got || (o.data.rfind("SIP/2.0 408", 0) == 0 && o.data.find(cid) != std::string::npos);
    EXPECT_EQ(got, i % 2 == 1) << cid;
  }
  tm->Tick(NowMs() + 300000);  // timer H of the 408s, then deletion
  EXPECT_EQ(tm->Size(), 0u);
  EXPECT_EQ(tm->Armed(), 0u);
}

// The wheel keeps deadlines to the millisecond though its slots are wider:
// ticks a millisecond apart fire timer A neither before nor after it is
// due, and once; a tick back in time does nothing; a deadline the wheel's
// cursor has already passed (a transaction created after a tick far
// ahead) fires on the next tick instead of waiting a turn of the wheel.
TEST_F(TmCoreTest, TimerWheelFiresEachDeadlineOnTimeToTheMillisecond) {
  const int64_t t0 = NowMs();
  MsgContext ctx = Request(kInvite, a);
  ASSERT_EQ(tm->Relay(ctx, nullptr), 1);
  const int64_t t1 = NowMs();
  ASSERT_EQ(a.Count("INVITE "), 1u);
  // Timer A: T1 (500 ms) after the branch went out, some time in [t0, t1].
  for (int64_t now = t0 + 480; now <= t1 + 520; ++now) {
    tm->Tick(now);
    size_t sent = a.Count("INVITE ");
    if (now < t0 + 500) {
      ASSERT_EQ(sent, 1u) << "fired early at +" << now - t0 << " ms";
    }
    if (now >= t1 + 500) {
      ASSERT_EQ(sent, 2u) << "not fired at +" << now - t0 << " ms";
    }
  }
  EXPECT_EQ(tm->Armed(), 1u);  // refiled under its next timer A (1 s)
  tm->Tick(t0);                // back in time: nothing
  EXPECT_EQ(a.Count("INVITE "), 2u);
  // The cursor far ahead, then a new transaction due (by the real clock)
  // long before it.
  const int64_t ahead = NowMs() + 20000;
  tm->Tick(ahead);
  EXPECT_EQ(tm->Size(), 1u);  // its final-response timer fired; not deleted yet
  std::string inv = kInvite;
  inv.replace(inv.find("Call-ID: c1"), 11, "Call-ID: c2");
  inv.replace(inv.find("branch=z9hG4bKabc"), 17, "branch=z9hG4bKbcd");
  MsgContext ctx2 = Request(inv.c_str(), a);
  ASSERT_EQ(tm->Relay(ctx2, nullptr), 1);
  size_t before = a.sent.size();
  tm->Tick(ahead);
  size_t resent = 0;
  for (size_t i = before; i < a.sent.size(); ++i)
    resent += a.sent[i].data.rfind("INVITE ", 0) == 0 &&
              a.sent[i].data.find("Call-ID: c2\r\n") != std::string::npos;
  EXPECT_EQ(resent, 1u);  // its timer A, due before `ahead` (its 408 too)
}

}  // namespace
}  // namespace sipcapd::tm
