// link: siptrace_logic
// SIP-context and event tracing of siptrace: which messages xlog lines are
// traced for (TraceContexts: message marks, Call-ID table, release,
// expiry), the xlog HEP packet (proto type 100, parts, correlation), HOMER5
// and HOMER6 (JSON) encapsulation of SIP and xlog packets through the real
// proto_hep HepService, the "net" extra correlation of a TCP message, the
// MI trace helpers (bwlist, request/reply parts) and the MICORR guid; the
// "net" correlation of transaction-scope packets (tm callbacks).
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/mi/mi_trace.h"
#include "modules/proto_hep/hep_service.h"
#include "modules/proto_tcp/tcp_trace.h"
#include "modules/siptrace/hep_api_out.h"
#include "modules/siptrace/hep_event.h"
#include "modules/siptrace/trace_scopes.h"
#include "modules/siptrace/tracer.h"
#include "test/unit/modules/siptrace/siptrace_test_util.h"
#include "test/unit/modules/tm/fake_tm_api.h"

namespace sipcapd::siptrace {
namespace {

const char kInvite[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@example.com>;tag=ft-1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: call-xl@test\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";
const char kReply[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@example.com>;tag=ft-1\r\n"
    "To: <sip:bob@example.com>;tag=tt\r\n"
    "Call-ID: call-xl@test\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";
const char kOther[] =
    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-2\r\n"
    "From: <sip:alice@example.com>;tag=ft-2\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: other@test\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

MsgContext Ctx(const char* msg) {
  MsgContext ctx;
  ctx.buf = msg;
  ctx.rcv.proto = Proto::kUdp;
  ctx.rcv.src = SockAddr{*IpAddr::Parse("127.0.0.1"), 5062};
  ctx.rcv.dst = SockAddr{*IpAddr::Parse("127.0.0.1"), 5060};
  return ctx;
}

hep::Packet Decode(const std::string& wire) {
  auto p = hep::Decode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()));
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : hep::Packet{};
}

// ------------------------------------------------------------ TraceContexts

TEST(TraceContexts, UntracedMessageHasNoTrace) {
  TraceContexts c;
  MsgContext ctx = Ctx(kInvite);
  EXPECT_TRUE(c.Lookup(ctx).empty());
  EXPECT_EQ(c.calls(), 0u);
}

TEST(TraceContexts, MarkTravelsWithClonesAndMergesTypes) {
  TraceContexts c;
  MsgContext ctx = Ctx(kInvite);
  TraceContexts::MarkMessage(ctx, "tid", kTypeXlog);
  TraceContexts::MarkMessage(ctx, "tid", kTypeSip);
  TraceContexts::MarkMessage(ctx, "other", kTypeXlog);
  auto v = c.Lookup(ctx);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], (ContextTrace{"tid", kTypeXlog | kTypeSip}));
  EXPECT_EQ(v[1], (ContextTrace{"other", kTypeXlog}));
  auto clone = ctx.Clone();
  EXPECT_EQ(c.Lookup(*clone).size(), 2u);
}

TEST(TraceContexts, CallTableFollowsRepliesUntilReleased) {
  TraceContexts c;
  c.AddCall("call-xl@test", {"tid", kTypeXlog}, std::chrono::minutes(1));
  c.AddCall("call-xl@test", {"tid", kTypeXlog}, std::chrono::minutes(1));  // 2 refs
  MsgContext reply = Ctx(kReply), other = Ctx(kOther);
  ASSERT_EQ(c.Lookup(reply).size(), 1u);
  EXPECT_EQ(c.Lookup(reply)[0].id, "tid");
  EXPECT_TRUE(c.Lookup(other).empty());
  c.ReleaseCall("call-xl@test", "tid");
  EXPECT_EQ(c.Lookup(reply).size(), 1u) << "one reference left";
  c.ReleaseCall("call-xl@test", "tid");
  EXPECT_TRUE(c.Lookup(reply).empty());
  EXPECT_EQ(c.calls(), 0u);
}

TEST(TraceContexts, ExpiredEntryIsIgnored) {
  TraceContexts c;
  c.AddCall("call-xl@test", {"tid", kTypeXlog}, std::chrono::milliseconds(-1));
  MsgContext reply = Ctx(kReply);
  EXPECT_TRUE(c.Lookup(reply).empty());
}

// ------------------------------------------------------------ xlog packets

TEST(TraceXlog, LogPacketWithCorrelationOnlyForTracedMessages) {
  UdpSink hep, dup;
  Tracer t(Opts());
  t.AddDest(*ParseTraceId("[tid]uri=hep:127.0.0.1:" + std::to_string(hep.port)));
  t.AddDest(*ParseTraceId("[tid]sip:127.0.0.1:" + std::to_string(dup.port)));
  ASSERT_TRUE(t.Start(nullptr, nullptr, nullptr).ok());

  MsgContext untraced = Ctx(kOther);
  t.TraceXlog(untraced, kLogInfo, "not traced");
  MsgContext traced = Ctx(kInvite);
  TraceContexts::MarkMessage(traced, "tid", kTypeSip | kTypeXlog);
  t.TraceXlog(traced, kLogErr, "call from alice");

  hep::Packet p = Decode(hep.Recv());
  EXPECT_EQ(p.proto_type, 100);
  EXPECT_EQ(p.ip_proto, 6);
  // HOMER5 form (no proto_hep: ':' delimiter): level text, then the line.
  EXPECT_EQ(p.payload, "ERROR:call from alice");
  EXPECT_EQ(p.correlation_id, "call-xl@test");
  EXPECT_EQ(p.src_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p.dst_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p.src_port, 5060);
  EXPECT_EQ(p.dst_port, 5060);
  EXPECT_EQ(hep.Recv(300), "") << "only the traced message's line";
  EXPECT_EQ(dup.Recv(300), "") << "SIP destinations get no xlog";
  EXPECT_EQ(t.stats().traced_xlog.Get(), 1);

  // Types without xlog: nothing.
  MsgContext sip_only = Ctx(kInvite);
  TraceContexts::MarkMessage(sip_only, "tid", kTypeSip);
  t.TraceXlog(sip_only, kLogErr, "x");
  EXPECT_EQ(hep.Recv(300), "");
  // Global off: nothing.
  t.SetGlobal(false);
  t.TraceXlog(traced, kLogErr, "y");
  EXPECT_EQ(hep.Recv(300), "");
  t.Stop();
}

// ------------------------------------------------- HOMER5 / HOMER6 via proto_hep

struct HepFixture {
  UdpSink sink;
  hep::HepService svc;
  std::unique_ptr<HepApiOut> out;
  Tracer tracer{Opts()};
  HepFixture(bool homer5, const std::string& delim = ":") {
    svc.config().homer5_on = homer5 ? 1 : 0;
    svc.config().homer5_delim = delim;
    EXPECT_TRUE(svc.AddHepId("[hd]127.0.0.1:" + std::to_string(sink.port) + ";transport=udp").ok());
    EXPECT_TRUE(svc.Finalize().ok());
    out = std::make_unique<HepApiOut>(&svc);
    tracer.AddDest(*ParseTraceId("[tid]hep:hd"));
    EXPECT_TRUE(tracer.Start(out.get(), nullptr, nullptr).ok());
  }
  ~HepFixture() {
    tracer.Stop();
    svc.StopSenders();
  }
};

TEST(Encapsulation, Homer5SipPayloadUnchangedAndXlogJoinedWithDelim) {
  HepFixture f(true, "##");
  MsgContext ctx = Ctx(kInvite);
  ASSERT_EQ(f.tracer.TraceMessage(ctx, "tid", kTypeSip | kTypeXlog, ""), 1);
  hep::Packet sip = Decode(f.sink.Recv());
  EXPECT_EQ(sip.payload, kInvite);
  EXPECT_EQ(sip.correlation_id, "call-xl@test");
  EXPECT_EQ(sip.FindExtra(0, hep::kChunkExtraCorrelation), nullptr);

  TraceContexts::MarkMessage(ctx, "tid", kTypeXlog);
  f.tracer.TraceXlog(ctx, kLogInfo, "hello");
  hep::Packet xl = Decode(f.sink.Recv());
  EXPECT_EQ(xl.payload, "INFO##hello");
  EXPECT_EQ(xl.correlation_id, "call-xl@test");
  EXPECT_EQ(xl.FindExtra(0, hep::kChunkExtraCorrelation), nullptr);
}

TEST(Encapsulation, Homer6WrapsPayloadInJsonAndAddsExtraCorrelation) {
  HepFixture f(false);
  MsgContext ctx = Ctx(kInvite);
  // A message read on a traced TCP connection carries the "net" correlation.
  ctx.rcv.proto = Proto::kTcp;
  auto conn = std::make_unique<proto_tcp::TcpConnExt>();
  conn->correlation = "10289601672139926570";
  ctx.ext[proto_tcp::kTcpConnExtKey] = std::move(conn);
  ASSERT_EQ(f.tracer.TraceMessage(ctx, "tid", kTypeSip, ""), 1);
  hep::Packet sip = Decode(f.sink.Recv());
  EXPECT_EQ(sip.payload, "{\n\t\"payload\":\t\"" +
                             std::string("INVITE sip:bob@example.com SIP/2.0\\r\\n"
                                         "Via: SIP/2.0/UDP "
                                         "127.0.0.1:5062;branch=z9hG4bK-1\\r\\n"
                                         "From: "
                                         "<sip:alice@example.com>;tag=ft-1\\r\\n"
                                         "To: <sip:bob@example.com>\\r\\n"
                                         "Call-ID: call-xl@test\\r\\n"
                                         "CSeq: 1 INVITE\\r\\n"
                                         "Content-Length: 0\\r\\n\\r\\n") +
                             "\"\n}");
  EXPECT_EQ(sip.correlation_id, "call-xl@test");
  const hep::Chunk* extra = sip.FindExtra(0, hep::kChunkExtraCorrelation);
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(extra->data, "{\"net\":\"10289601672139926570\"}");

  TraceContexts::MarkMessage(ctx, "tid", kTypeXlog);
  f.tracer.TraceXlog(ctx, kLogWarn, "w");
  hep::Packet xl = Decode(f.sink.Recv());
  EXPECT_EQ(xl.payload, "{\n\t\"Event\":\t\"WARNING\",\n\t\"text\":\t\"w\"\n}");
  EXPECT_EQ(xl.correlation_id, "call-xl@test");
  extra = xl.FindExtra(0, hep::kChunkExtraCorrelation);
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(extra->data, "{\"sip\":\"call-xl@test\"}");
}

using FakeTm = tm::testing::FakeTmApi;

// Transaction scope: the packets built from tm's callbacks carry the "net"
// correlation of the TCP connection the traced request came on.
TEST(Encapsulation, TransactionPacketsCarryNetOfTheTracedConnection) {
  HepFixture f(false);
  FakeTm tm;
  MsgContext ctx = Ctx(kInvite);
  ctx.rcv.proto = Proto::kTcp;
  auto conn = std::make_unique<proto_tcp::TcpConnExt>();
  conn->correlation = "77";
  ctx.ext[proto_tcp::kTcpConnExtKey] = std::move(conn);
  ASSERT_TRUE(TraceTransaction(f.tracer, tm, ctx, ScopeTrace{"tid", kTypeSip, ""}));
  tm::TmCbParams out;
  out.type = tm::kTmcbRequestOut;
  out.msg = kInvite;
  out.method = "INVITE";
  out.callid = "call-xl@test";
  out.from_tag = "ft-1";
  out.src = SockAddr{*IpAddr::Parse("127.0.0.1"), 5060};
  out.dst = SockAddr{*IpAddr::Parse("127.0.0.1"), 5070};
  tm.Fire(out);
  tm::TmCbParams in = out;
  in.type = tm::kTmcbReplyIn;
  in.is_request = false;
  in.code = 200;
  in.msg = kReply;
  std::swap(in.src, in.dst);
  tm.Fire(in);
  for (int i = 0; i < 2; ++i) {
    hep::Packet p = Decode(f.sink.Recv());
    EXPECT_EQ(p.correlation_id, "call-xl@test");
    const hep::Chunk* extra = p.FindExtra(0, hep::kChunkExtraCorrelation);
    ASSERT_NE(extra, nullptr) << i;
    EXPECT_EQ(extra->data, "{\"net\":\"77\"}");
  }
  // A transaction traced from a UDP message has none.
  FakeTm udp_tm;
  MsgContext udp = Ctx(kInvite);
  ASSERT_TRUE(TraceTransaction(f.tracer, udp_tm, udp, ScopeTrace{"tid", kTypeSip, ""}));
  udp_tm.Fire(out);
  hep::Packet p = Decode(f.sink.Recv());
  EXPECT_EQ(p.FindExtra(0, hep::kChunkExtraCorrelation), nullptr);
}

// ------------------------------------------------------------ events, MI

TEST(HepEvent, PacketSkeletonAndGuid) {
  hep::Packet p = hep_event::MakeEventPacket(SockAddr{}, SockAddr{}, 6, hep_event::kProtoTypeMi, 7);
  EXPECT_EQ(p.src_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p.dst_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p.proto_type, 0x57);
  EXPECT_EQ(p.capture_id, 7u);
  std::string wire;
  ASSERT_TRUE(hep::Encode(p, 3, &wire).ok());
  EXPECT_EQ(Decode(wire).proto_type, 0x57);
  hep::Packet v6 = hep_event::MakeEventPacket(SockAddr{*IpAddr::Parse("::1"), 5}, SockAddr{}, 6,
                                              hep_event::kProtoTypeNet, 1);
  EXPECT_EQ(v6.family, 10);
  EXPECT_EQ(v6.dst_ip.ToString(), "::1");

  std::string g1 = hep_event::GenerateGuid("MICORR"), g2 = hep_event::GenerateGuid("MICORR");
  EXPECT_EQ(g1.size(), 6u + 28u);
  EXPECT_EQ(g1.rfind("MICORR", 0), 0u);
  EXPECT_EQ(g1.back(), '=');
  EXPECT_NE(g1, g2);
}

TEST(MiTrace, BwListParsing) {
  auto w = mi::ParseTraceBwList("w: ps, which");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->Traced("ps"));
  EXPECT_TRUE(w->Traced("which"));
  EXPECT_FALSE(w->Traced("sip_trace"));
  auto b = mi::ParseTraceBwList(" B :ps,sip_trace ");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->Traced("ps"));
  EXPECT_FALSE(b->Traced("sip_trace"));
  EXPECT_TRUE(b->Traced("uptime"));
  auto none = mi::ParseTraceBwList("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->Traced("anything"));
  EXPECT_FALSE(mi::ParseTraceBwList("x: ps").ok());
  EXPECT_FALSE(mi::ParseTraceBwList("ps, which").ok());
  EXPECT_FALSE(mi::ParseTraceBwList("w: ps,,which").ok());
  EXPECT_FALSE(mi::ParseTraceBwList("w:").ok());
}

TEST(MiTrace, RequestAndReplyParts) {
  MiParams p;
  p.positional = {"tid", "off"};
  p.named = {{"id", "x"}};
  auto req = mi::MiTraceRequestParts("sip_trace", "fifo", p);
  ASSERT_EQ(req.size(), 3u);
  EXPECT_EQ(req[0], (std::pair<std::string, std::string>{"command", "sip_trace"}));
  EXPECT_EQ(req[1].second, "fifo");
  EXPECT_EQ(req[2].second, "tid,off,id=x");
  MiParams big;
  big.positional = {std::string(300, 'a')};
  EXPECT_EQ(mi::MiTraceRequestParts("c", "fifo", big)[2].second.size(), mi::kMiTraceMaxValue);

  auto rep = mi::MiTraceReplyParts(MiResult::Error(400, "Bad parameter"));
  EXPECT_EQ(rep[0].second, "400");
  EXPECT_EQ(rep[1].second, "Bad parameter");
  EXPECT_EQ(rep[2].second, "");
  auto ok = mi::MiTraceReplyParts(MiResult::Ok(JsonPtr(cJSON_CreateString("on"))));
  EXPECT_EQ(ok[0].second, "200");
  EXPECT_EQ(ok[2].second, "\"on\"");
}

}  // namespace
}  // namespace sipcapd::siptrace
