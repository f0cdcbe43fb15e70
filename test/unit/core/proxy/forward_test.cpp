// forward() and stateless reply routing through fake senders.
#include "core/proxy/forward.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/proxy/via.h"
#include "core/sip/message.h"
#include "test/unit/core/proxy/fake_sender.h"

namespace sipcapd::proxy {
namespace {

SockAddr Addr(const char* ip, uint16_t port) { return SockAddr{*IpAddr::Parse(ip), port}; }

using testing::FakeSender;

class FakeScript : public ScriptRunner {
 public:
  bool HasRoute(uint32_t t, std::string_view) const override {
    return t == kOnReplyRoute && has_reply_route;
  }
  Outcome RunRoute(uint32_t t, std::string_view, MsgContext& ctx) override {
    ran.push_back(t);
    if (on_request && t == kRequestRoute) on_request(ctx);
    Outcome o;
    o.dropped = t == kOnReplyRoute && drop_replies;
    return o;
  }
  void ReceiveSip(MsgContext&) override {}
  bool has_reply_route = true, drop_replies = false;
  std::function<void(MsgContext&)> on_request;
  std::vector<uint32_t> ran;
};

const char kReq[] =
    "INVITE sip:bob@192.0.2.50:5070 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKabc;rport\r\n"
    "Max-Forwards: 70\r\nTo: <sip:bob@b>\r\nFrom: <sip:a@a>;tag=1\r\n"
    "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

struct Fixture : ::testing::Test {
  ProxyCore core;
  FakeSender udp{Proto::kUdp, Addr("127.0.0.1", 5060), "udp:127.0.0.1:5060"};
  FakeSender tcp{Proto::kTcp, Addr("127.0.0.1", 5060), "tcp:127.0.0.1:5060"};
  void SetUp() override {
    core.AddSender(&udp);
    core.AddSender(&tcp);
  }
  MsgContext Ctx(const char* text, Proto p = Proto::kUdp) {
    MsgContext ctx;
    ctx.buf = text;
    ctx.rcv.src = Addr("192.0.2.1", 40000);
    ctx.rcv.proto = p;
    ctx.rcv.listener = p == Proto::kUdp ? "udp:127.0.0.1:5060" : "tcp:127.0.0.1:5060";
    return ctx;
  }
};

TEST(Destination, Parse) {
  auto d = ParseDestination("tcp:10.1.2.3:5070");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->proto, Proto::kTcp);
  EXPECT_EQ(d->host, "10.1.2.3");
  EXPECT_EQ(d->port, 5070);
  d = ParseDestination("udp:[::1]:5080");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->port, 5080);
  d = ParseDestination("sip:x@host.example;transport=TCP");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->proto, Proto::kTcp);
  EXPECT_EQ(d->port, 0);
  EXPECT_FALSE(ParseDestination("udp:1.2.3.4:99999").ok());
  EXPECT_FALSE(ParseDestination("").ok());
}

TEST_F(Fixture, ForwardByRuriInsertsViaAndStamps) {
  MsgContext ctx = Ctx(kReq);
  ASSERT_TRUE(Forward(core, ctx, nullptr).ok());
  ASSERT_EQ(udp.sent.size(), 1u);
  EXPECT_EQ(udp.sent[0].dst, Addr("192.0.2.50", 5070));
  auto m = sip::Message::Parse(udp.sent[0].data);
  const auto* vias = m->Vias();
  ASSERT_TRUE(vias && vias->size() == 2);
  EXPECT_EQ((*vias)[0].host, "127.0.0.1");
  EXPECT_EQ((*vias)[0].branch.substr(0, 9), "z9hG4bKsc");
  EXPECT_EQ((*vias)[1].received, "192.0.2.1");
  EXPECT_EQ((*vias)[1].rport_value, "40000");
  EXPECT_EQ(ctx.buf, kReq);  // the context itself is untouched
  EXPECT_EQ(core.stats().fwd_requests.Get(), 1);
}

TEST_F(Fixture, DuAndRuriWritesAndExplicitDestination) {
  MsgContext ctx = Ctx(kReq);
  ctx.new_ruri = "sip:carol@192.0.2.60";
  ASSERT_TRUE(Forward(core, ctx, nullptr).ok());
  EXPECT_EQ(udp.sent.back().dst, Addr("192.0.2.60", 5060));
  EXPECT_EQ(udp.sent.back().data.rfind("INVITE sip:carol@192.0.2.60 SIP/2.0\r\n", 0), 0u);
  ctx.dst_uri = "sip:192.0.2.70:5090;transport=tcp";
  ASSERT_TRUE(Forward(core, ctx, nullptr).ok());
  ASSERT_EQ(tcp.sent.size(), 1u);
  EXPECT_EQ(tcp.sent[0].dst, Addr("192.0.2.70", 5090));
  EXPECT_NE(tcp.sent[0].data.find("Via: SIP/2.0/TCP 127.0.0.1:5060;branch="), std::string::npos);
  Destination d{Proto::kUdp, "192.0.2.80", 5100};
  ASSERT_TRUE(Forward(core, ctx, &d).ok());
  EXPECT_EQ(udp.sent.back().dst, Addr("192.0.2.80", 5100));
  Destination v6{Proto::kUdp, "::1", 5100};
  EXPECT_FALSE(Forward(core, ctx, &v6).ok());  // no IPv6 socket
  EXPECT_EQ(core.stats().err_requests.Get(), 1);
}

TEST_F(Fixture, ReplyRoutedBackByVia) {
  MsgContext req = Ctx(kReq);
  ASSERT_TRUE(Forward(core, req, nullptr).ok());
  auto fwd = sip::Message::Parse(udp.sent[0].data);
  // The UAS answers with the Vias of the forwarded request.
  std::string reply = "SIP/2.0 200 OK\r\n";
  for (const auto& h : fwd->headers())
    if (h.type == sip::HeaderType::kVia || h.type == sip::HeaderType::kCallId ||
        h.type == sip::HeaderType::kCSeq)
      reply += h.raw;
  reply += "Content-Length: 0\r\n\r\n";
  FakeScript script;
  MsgContext rctx = Ctx(reply.c_str());
  EXPECT_EQ(ProcessSip(core, script, rctx), ProcessResult::kReplyForwarded);
  ASSERT_EQ(script.ran, std::vector<uint32_t>{kOnReplyRoute});
  ASSERT_EQ(udp.sent.size(), 2u);
  EXPECT_EQ(udp.sent[1].dst, Addr("192.0.2.1", 40000));  // received + rport
  auto out = sip::Message::Parse(udp.sent[1].data);
  ASSERT_EQ(out->Vias()->size(), 1u);
  EXPECT_EQ(out->FirstVia()->host, "10.0.0.1");
  // onreply_route drop stops it.
  script.drop_replies = true;
  MsgContext again = Ctx(reply.c_str());
  EXPECT_EQ(ProcessSip(core, script, again), ProcessResult::kReplyDropped);
  EXPECT_EQ(udp.sent.size(), 2u);
}

TEST_F(Fixture, ReplyNotOursDropped) {
  FakeScript script;
  MsgContext r =
      Ctx("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bKx\r\n"
          "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKy\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(ProcessSip(core, script, r), ProcessResult::kReplyDropped);
  EXPECT_TRUE(udp.sent.empty());
  EXPECT_EQ(core.stats().drop_replies.Get(), 1);
}

TEST_F(Fixture, BadMessagesCountedAndRequestsRunRoute) {
  FakeScript script;
  MsgContext bad = Ctx("hello world");
  EXPECT_EQ(ProcessSip(core, script, bad), ProcessResult::kBad);
  MsgContext novia = Ctx("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
  EXPECT_EQ(ProcessSip(core, script, novia), ProcessResult::kBad);
  EXPECT_EQ(core.stats().bad_msgs.Get(), 2);
  EXPECT_TRUE(script.ran.empty());
  bool called = false;
  script.on_request = [&](MsgContext& c) { called = Forward(core, c, nullptr).ok(); };
  MsgContext ok = Ctx(kReq, Proto::kTcp);
  EXPECT_EQ(ProcessSip(core, script, ok), ProcessResult::kRequest);
  EXPECT_TRUE(called);
  // Received over TCP: rport forced on the top Via; UDP to the R-URI.
  EXPECT_NE(udp.sent.back().data.find(";rport=40000"), std::string::npos);
}

TEST_F(Fixture, SendReplyUsesSourceAndViaPort) {
  MsgContext ctx =
      Ctx("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bKq\r\n"
          "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(core.SendReply(ctx, "SIP/2.0 200 OK\r\n\r\n").ok());
  EXPECT_EQ(udp.sent.back().dst, Addr("192.0.2.1", 5099));  // no rport: Via port
  MsgContext t = Ctx(kReq, Proto::kTcp);
  ASSERT_TRUE(core.SendReply(t, "SIP/2.0 200 OK\r\n\r\n").ok());
  EXPECT_EQ(tcp.sent.back().dst, Addr("192.0.2.1", 40000));  // the connection
}

}  // namespace
}  // namespace sipcapd::proxy
