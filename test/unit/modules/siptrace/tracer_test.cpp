// link: siptrace_logic
// Tracer end to end on loopback: HEP (inline 2.2 form) and SIP duplicate
// destinations received on real UDP sockets, DB rows through a BatchWriter
// with a recording driver, MI on/off and its 2.x text rendering, scope and
// types parsing.
#include "modules/siptrace/tracer.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <mutex>

#include "core/mi/mi_render.h"
#include "modules/siptrace/siptrace_mi.h"
#include "test/unit/modules/siptrace/siptrace_test_util.h"

namespace sipcapd::siptrace {
namespace {

const char kInvite[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@example.com>;tag=ft-1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: call-123@test\r\n"
    "CSeq: 1 INVITE\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Length: 0\r\n\r\n";
const char kReply[] =
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@example.com>;tag=ft-1\r\n"
    "To: <sip:bob@example.com>;tag=tt-2\r\n"
    "Call-ID: call-123@test\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";

MsgContext MakeCtx(const char* msg, const char* dst_ip = "127.0.0.1") {
  MsgContext ctx;
  ctx.buf = msg;
  ctx.rcv.proto = Proto::kUdp;
  ctx.rcv.src = SockAddr{*IpAddr::Parse("127.0.0.1"), 5062};
  ctx.rcv.dst = SockAddr{*IpAddr::Parse(dst_ip), 5060};
  return ctx;
}

TraceDest Dest(const std::string& spec) {
  auto d = ParseTraceId(spec);
  EXPECT_TRUE(d.ok()) << spec << ": " << d.status().message();
  return *d;
}

TEST(TracerTest, HepPacketForRequestAndReply) {
  UdpSink hep;
  Tracer t(Opts());
  t.AddDest(Dest("[tid]uri=hep:127.0.0.1:" + std::to_string(hep.port) + ";version=3"));
  ASSERT_TRUE(t.Start(nullptr, nullptr, nullptr).ok());

  MsgContext req = MakeCtx(kInvite);
  EXPECT_EQ(t.TraceMessage(req, "tid", kTypeSip, ""), 1);
  std::string wire = hep.Recv();
  ASSERT_FALSE(wire.empty());
  auto p = hep::Decode(wire);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->version, 3);
  EXPECT_EQ(p->proto_type, hep::kProtoSip);
  EXPECT_EQ(p->ip_proto, hep::kIpProtoUdp);
  EXPECT_EQ(p->correlation_id, "call-123@test");
  EXPECT_EQ(p->payload, kInvite);
  EXPECT_EQ(p->src_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p->src_port, 5062);
  EXPECT_EQ(p->dst_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p->dst_port, 5060);
  EXPECT_EQ(p->capture_id, 1u);
  EXPECT_GT(p->ts_sec, 1600000000u);

  MsgContext rpl = MakeCtx(kReply);
  EXPECT_EQ(t.TraceMessage(rpl, "tid", kTypeSip, ""), 1);
  auto p2 = hep::Decode(hep.Recv());
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->payload, kReply);
  EXPECT_EQ(p2->correlation_id, "call-123@test");
  EXPECT_EQ(t.stats().traced_requests.Get(), 1);
  EXPECT_EQ(t.stats().traced_replies.Get(), 1);
}

TEST(TracerTest, WildcardLocalAddressIsNeverTraced) {
  UdpSink hep;
  Tracer t(Opts());
  t.AddDest(Dest("[tid]hep:127.0.0.1:" + std::to_string(hep.port)));
  ASSERT_TRUE(t.Start(nullptr, nullptr, nullptr).ok());
  MsgContext req = MakeCtx(kInvite, "0.0.0.0");
  ASSERT_EQ(t.TraceMessage(req, "tid", kTypeSip, ""), 1);
  auto p = hep::Decode(hep.Recv());
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->dst_ip.IsAny());
  EXPECT_EQ(p->dst_ip.ToString(), "127.0.0.1");  // the route toward 127.0.0.1
  t.Stop();

  Tracer t2(Opts());
  std::string warn;
  t2.options().local_ip = *ParseLocalIp("udp:10.1.2.3:5099", &warn);
  t2.AddDest(Dest("[tid]hep:127.0.0.1:" + std::to_string(hep.port)));
  ASSERT_TRUE(t2.Start(nullptr, nullptr, nullptr).ok());
  MsgContext req2 = MakeCtx(kInvite, "0.0.0.0");
  ASSERT_EQ(t2.TraceMessage(req2, "tid", kTypeSip, ""), 1);
  auto p2 = hep::Decode(hep.Recv());
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->dst_ip.ToString(), "10.1.2.3");
}

TEST(TracerTest, SeveralDestinationsUnderOneIdAndSipDuplicate) {
  UdpSink hep, sip, other;
  Tracer t(Opts());
  t.AddDest(Dest("[tid]hep:127.0.0.1:" + std::to_string(hep.port)));
  t.AddDest(Dest("[tid]uri=sip:127.0.0.1:" + std::to_string(sip.port)));
  t.AddDest(Dest("[tid]uri=sip:127.0.0.1:" + std::to_string(sip.port)));  // duplicate: ignored
  t.AddDest(Dest("[tid2]sip:127.0.0.1:" + std::to_string(other.port)));
  ASSERT_TRUE(t.Start(nullptr, nullptr, nullptr).ok());
  EXPECT_EQ(t.Describe("tid").size(), 2u);
  MsgContext req = MakeCtx(kInvite);
  ASSERT_EQ(t.TraceMessage(req, "tid", kTypeSip, ""), 1);
  // Both get the whole message: the HEP packet copies it here, as the SIP
  // destination still needs the record (it is moved only for HEP-only ids).
  auto h = hep::Decode(hep.Recv());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->payload, kInvite);
  EXPECT_EQ(h->correlation_id, "call-123@test");
  EXPECT_EQ(sip.Recv(), kInvite);
  EXPECT_EQ(sip.Recv(200), "");    // only once
  EXPECT_EQ(other.Recv(200), "");  // other id untouched
}

TEST(TracerTest, UnknownIdTypesWithoutSipAndMiSwitches) {
  UdpSink hep;
  Tracer t(Opts());
  t.AddDest(Dest("[tid]hep:127.0.0.1:" + std::to_string(hep.port)));
  t.AddDest(Dest("[tid2]hep:127.0.0.1:" + std::to_string(hep.port)));
  ASSERT_TRUE(t.Start(nullptr, nullptr, nullptr).ok());
  MsgContext req = MakeCtx(kInvite);
  EXPECT_EQ(t.TraceMessage(req, "nope", kTypeSip, ""), -1);
  EXPECT_EQ(t.TraceMessage(req, "tid", kTypeXlog, ""), 1);  // sip not requested
  EXPECT_EQ(hep.Recv(200), "");

  MiParams off;
  off.positional = {"tid", "off"};
  EXPECT_EQ(MiSipTrace(t, off).code, 200);
  EXPECT_EQ(t.TraceMessage(req, "tid", kTypeSip, ""), 1);
  EXPECT_EQ(hep.Recv(200), "");
  EXPECT_EQ(t.TraceMessage(req, "tid2", kTypeSip, ""), 1);
  EXPECT_FALSE(hep.Recv().empty());

  MiParams gl;
  gl.positional = {"OFF"};
  EXPECT_EQ(MiSipTrace(t, gl).code, 200);
  EXPECT_FALSE(t.global_on());
  EXPECT_EQ(t.TraceMessage(req, "tid2", kTypeSip, ""), 1);
  EXPECT_EQ(hep.Recv(200), "");
  EXPECT_EQ(t.stats().not_traced_off.Get(), 1);

  std::string text = mi::RenderText(MiSipTrace(t, MiParams{}));
  std::string want =
      "200 OK\nglobal:: off\ntid::  type=HEP uri=127.0.0.1:" + std::to_string(hep.port) +
      " state=off\ntid2::  type=HEP uri=127.0.0.1:" + std::to_string(hep.port) + " state=on\n\n";
  EXPECT_EQ(text, want);

  MiParams bad;
  bad.positional = {"tid", "maybe"};
  EXPECT_EQ(MiSipTrace(t, bad).code, 400);
  bad.positional = {"zzz"};
  EXPECT_EQ(MiSipTrace(t, bad).code, 400);
  bad.positional = {"a", "b", "c"};
  EXPECT_EQ(MiSipTrace(t, bad).code, 400);

  MiParams one;
  one.positional = {"tid2"};
  EXPECT_EQ(mi::RenderText(MiSipTrace(t, one)),
            "200 OK\ntid2::  type=HEP uri=127.0.0.1:" + std::to_string(hep.port) + " state=on\n\n");

  MiParams named;  // 3.x form
  named.named = {{"mode", "on"}};
  EXPECT_EQ(MiTrace3x(t, named).code, 200);
  EXPECT_TRUE(t.global_on());
  named.named = {{"id", "zzz"}};
  EXPECT_EQ(MiTrace3x(t, named).code, 400);
}

TEST(TracerTest, ScopeAndTypes) {
  EXPECT_EQ(*ParseScope("m"), Scope::kMessage);
  EXPECT_EQ(*ParseScope(" M t "), Scope::kTransaction);
  EXPECT_EQ(*ParseScope("mtd"), Scope::kDialog);
  EXPECT_FALSE(ParseScope("x").ok());
  EXPECT_FALSE(ParseScope("").ok());
  std::string unknown;
  EXPECT_EQ(ParseTypes("sip|xlog", &unknown), kTypeSip | kTypeXlog);
  EXPECT_EQ(ParseTypes("SIP | rest|bogus", &unknown), kTypeSip | kTypeRest);
  EXPECT_EQ(unknown, "bogus");
  EXPECT_EQ(ParseTypes("bogus", nullptr), 0u);
}

// A driver that records inserted rows.
class RecordingConn : public db::Connection {
 public:
  explicit RecordingConn(std::vector<std::pair<std::string, db::Row>>* rows, std::mutex* mu)
      : rows_(rows), mu_(mu) {}
  Status Insert(const std::string& table, const std::vector<std::string>& cols,
                std::span<const db::Row> rows) override {
    std::lock_guard<std::mutex> l(*mu_);
    last_cols = cols;
    for (const auto& r : rows) rows_->push_back({table, r});
    return Status::Ok();
  }
  Result<db::QueryResult> Query(const std::string&) override { return db::QueryResult{}; }
  Status CreateTableLike(const std::string&, const std::string&) override { return Status::Ok(); }
  std::string QuoteString(std::string_view s) override { return "'" + std::string(s) + "'"; }
  Status Ping() override { return Status::Ok(); }
  std::vector<std::string> last_cols;

 private:
  std::vector<std::pair<std::string, db::Row>>* rows_;
  std::mutex* mu_;
};
class RecordingDriver : public db::Driver {
 public:
  std::string scheme() const override { return "sqlite"; }
  db::Capabilities capabilities() const override { return {}; }
  Result<std::unique_ptr<db::Connection>> Connect(const db::Url&,
                                                  const db::ConnectOptions&) override {
    return std::unique_ptr<db::Connection>(new RecordingConn(&rows, &mu));
  }
  std::vector<std::pair<std::string, db::Row>> rows;
  std::mutex mu;
};

TEST(TracerTest, DbDestinationWritesSipTraceRows) {
  RecordingDriver drv;
  StatsRegistry stats;
  TracerOptions o = Opts();
  o.columns[0] = "message";  // msg_column renamed
  Tracer t(o);
  t.AddDest(Dest("[db]sqlite:///tmp/unused.db;table=my_trace"));
  ASSERT_TRUE(
      t.Start(
           nullptr, [&](const std::string& s) { return s == "sqlite" ? &drv : nullptr; }, &stats)
          .ok());
  MsgContext req = MakeCtx(kInvite);
  ASSERT_EQ(t.TraceMessage(req, "db", kTypeSip, "attrs-x"), 1);
  MsgContext rpl = MakeCtx(kReply);
  ASSERT_EQ(t.TraceMessage(rpl, "db", kTypeSip, ""), 1);
  ASSERT_TRUE(t.WaitIdle(std::chrono::seconds(5)));
  std::lock_guard<std::mutex> l(drv.mu);
  ASSERT_EQ(drv.rows.size(), 2u);
  EXPECT_EQ(drv.rows[0].first, "my_trace");
  const auto& v = drv.rows[0].second.values;
  ASSERT_EQ(v.size(), 14u);
  EXPECT_EQ(v[0].s, kInvite);
  EXPECT_EQ(v[1].s, "call-123@test");
  EXPECT_EQ(v[2].s, "INVITE");
  EXPECT_EQ(v[3].s, "");
  EXPECT_EQ(v[4].s, "udp");
  EXPECT_EQ(v[5].s, "127.0.0.1");
  EXPECT_EQ(v[6].i, 5062);
  EXPECT_EQ(v[9].i, 5060);
  EXPECT_EQ(v[11].s, "in");
  EXPECT_EQ(v[12].s, "ft-1");
  EXPECT_EQ(v[13].s, "attrs-x");
  const auto& r = drv.rows[1].second.values;
  EXPECT_EQ(r[2].s, "INVITE");  // CSeq method for replies
  EXPECT_EQ(r[3].s, "180");
}

TEST(TracerTest, DbWithoutDriverAndHepIdWithoutProtoHepFailStart) {
  Tracer t(Opts());
  t.AddDest(Dest("[db]mysql://u:p@h/db"));
  Status st = t.Start(
      nullptr, [](const std::string&) { return nullptr; }, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("db_mysql"), std::string::npos) << st.message();
  Tracer t2(Opts());
  t2.AddDest(Dest("[h]hep:collector"));
  st = t2.Start(nullptr, nullptr, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("proto_hep"), std::string::npos) << st.message();
}

TEST(TracerTest, UnreachableCollectorNeverBlocks) {
  // A host name that cannot resolve (RFC 6761 .invalid) and a full queue:
  // tracing stays fast and drops are counted.
  UdpSender s("collector.invalid", 9060, /*max_queue=*/8, std::chrono::seconds(60));
  ASSERT_TRUE(s.Start().ok());
  auto t0 = std::chrono::steady_clock::now();
  int queued = 0;
  for (int i = 0; i < 2000; ++i) queued += s.Send(std::string(200, 'x')) ? 1 : 0;
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::milliseconds(500));
  ASSERT_TRUE(s.WaitIdle(std::chrono::seconds(10)));
  const auto& c = s.counters();
  EXPECT_EQ(c.sent.Get(), 0);
  EXPECT_EQ(c.dropped_queue_full.Get() + c.dropped_unresolved.Get(), 2000);
  EXPECT_EQ(c.dropped_unresolved.Get(), queued);
}

}  // namespace
}  // namespace sipcapd::siptrace
