// link: siptrace_logic
// siptrace through proto_hep's HepApi/1 (a fake implementing the service
// contract): named hep_ids, unknown names, inline ids as ad-hoc
// destinations, capture id, MI uri, drops counted.
#include "modules/siptrace/hep_api_out.h"

#include <gtest/gtest.h>

#include "modules/siptrace/siptrace_mi.h"
#include "test/unit/modules/siptrace/siptrace_test_util.h"

namespace sipcapd::siptrace {
namespace {

class FakeHepApi : public hep::HepApi {
 public:
  void RegisterReceiveCallback(ReceiveCallback) override {}
  const hep::Destination* FindDestination(std::string_view name) const override {
    return name == dest.name ? &dest : nullptr;
  }
  Result<hep::Destination> ParseDestination(std::string_view text) const override {
    return hep::ParseHepId(text, false);
  }
  hep::Packet BuildPacket(const MsgContext&, uint8_t) const override { return {}; }
  void Encapsulate(hep::Packet*, const hep::KeyValues&, const hep::KeyValues&) const override {}
  Status Send(const std::string& name, const hep::Packet& p) override {
    if (full) return Status::Unavailable("queue full");
    sent.push_back({name, p});
    return Status::Ok();
  }
  Status SendTo(const hep::Destination& d, const hep::Packet& p) override {
    sent.push_back({d.Key(), p});
    return Status::Ok();
  }
  Status SendViewTo(const hep::Destination& d, const hep::PacketView& p) override {
    // `full` is the named hep_id's queue, as for Send; ad-hoc ones never fill.
    const bool named = &d == &dest;
    if (full && named) return Status::Unavailable("queue full");
    sent.push_back({named ? d.name : d.Key(), hep::ToPacket(p)});
    return Status::Ok();
  }
  Status SendRaw(const hep::Destination&, std::string) override { return Status::Ok(); }
  int homer_version() const override { return 5; }
  const std::string& homer5_delim() const override { return delim; }
  uint32_t capture_id() const override { return 2001; }

  hep::Destination dest{"hd", "10.9.8.7", 9061, hep::Transport::kUdp, 3, ""};
  std::vector<std::pair<std::string, hep::Packet>> sent;
  bool full = false;
  std::string delim = ":";
};

MsgContext Ctx() {
  MsgContext ctx;
  ctx.buf =
      "OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.5:5070;branch=z9hG4bK-1\r\n"
      "From: <sip:a@y>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: cid-77\r\nCSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n";
  ctx.rcv.proto = Proto::kTcp;
  ctx.rcv.src = SockAddr{*IpAddr::Parse("10.0.0.5"), 5070};
  ctx.rcv.dst = SockAddr{*IpAddr::Parse("10.0.0.1"), 5060};
  return ctx;
}

TEST(HepApiOutTest, NamedAndInlineDestinations) {
  FakeHepApi api;
  HepApiOut out(&api);
  Tracer t(Opts());
  t.AddDest(*ParseTraceId("[tid]hep:hd"));
  t.AddDest(*ParseTraceId("[tid]uri=hep:10.1.1.1:7000;version=3;transport=tcp"));
  ASSERT_TRUE(t.Start(&out, nullptr, nullptr).ok());
  MsgContext ctx = Ctx();
  ASSERT_EQ(t.TraceMessage(ctx, "tid", kTypeSip, ""), 1);
  ASSERT_EQ(api.sent.size(), 2u);
  EXPECT_EQ(api.sent[0].first, "hd");
  EXPECT_NE(api.sent[1].first.find("10.1.1.1:7000"), std::string::npos) << api.sent[1].first;
  const hep::Packet& p = api.sent[0].second;
  EXPECT_EQ(p.correlation_id, "cid-77");
  EXPECT_EQ(p.capture_id, 2001u);
  EXPECT_EQ(p.ip_proto, hep::kIpProtoTcp);
  EXPECT_EQ(p.src_ip.ToString(), "10.0.0.5");
  EXPECT_EQ(p.dst_ip.ToString(), "10.0.0.1");
  EXPECT_EQ(p.src_port, 5070);
  EXPECT_EQ(p.dst_port, 5060);

  MiParams none;
  auto r = MiSipTrace(t, none);
  ASSERT_EQ(r.code, 200);
  auto d = t.Describe("tid");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].uri, "10.9.8.7:9061");  // the hep_id's address, as OpenSIPS
  EXPECT_EQ(d[1].uri, "10.1.1.1:7000");

  api.full = true;  // proto_hep queue full: dropped and counted, -1 only if all fail
  EXPECT_EQ(t.TraceMessage(ctx, "tid", kTypeSip, ""), 1);
  EXPECT_EQ(t.stats().dropped.Get(), 1);
}

// An id with only HEP destinations takes the fast path (packet encoded from
// views of the message); one with a SIP destination too goes through a
// TraceRecord. Both must send the same packet and count the same way.
TEST(HepApiOutTest, HepOnlyIdsSendWhatTheRecordPathSends) {
  FakeHepApi api;
  HepApiOut out(&api);
  UdpSink sip;
  Tracer t(Opts());
  t.AddDest(*ParseTraceId("[fast]hep:hd"));
  t.AddDest(*ParseTraceId("[fast]uri=hep:10.1.1.1:7000;version=3;transport=tcp"));
  t.AddDest(*ParseTraceId("[mixed]hep:hd"));
  t.AddDest(*ParseTraceId("[mixed]uri=hep:10.1.1.1:7000;version=3;transport=tcp"));
  t.AddDest(*ParseTraceId("[mixed]sip:127.0.0.1:" + std::to_string(sip.port)));
  ASSERT_TRUE(t.Start(&out, nullptr, nullptr).ok());
  MsgContext ctx = Ctx();
  ASSERT_EQ(t.TraceMessage(ctx, "fast", kTypeSip, ""), 1);
  ASSERT_EQ(t.TraceMessage(ctx, "mixed", kTypeSip, ""), 1);
  EXPECT_EQ(sip.Recv(), ctx.buf);  // the SIP destination got the message
  ASSERT_EQ(api.sent.size(), 4u);
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(api.sent[i].first, api.sent[i + 2].first);
    hep::Packet fast = api.sent[i].second, rec = api.sent[i + 2].second;
    EXPECT_EQ(fast.payload, ctx.buf);
    EXPECT_EQ(fast.correlation_id, "cid-77");
    EXPECT_EQ(fast.src_ip.ToString(), "10.0.0.5");
    EXPECT_EQ(fast.dst_port, 5060);
    EXPECT_NEAR(static_cast<double>(fast.TimestampUs()), static_cast<double>(rec.TimestampUs()),
                5e6);
    fast.ts_sec = rec.ts_sec;
    fast.ts_usec = rec.ts_usec;
    std::string a, b;
    ASSERT_TRUE(hep::Encode(fast, 3, &a).ok());
    ASSERT_TRUE(hep::Encode(rec, 3, &b).ok());
    EXPECT_EQ(a, b);  // every other chunk identical
  }
  EXPECT_EQ(t.stats().traced_requests.Get(), 2);

  // MI off for one destination of the fast id: only the other is sent.
  ASSERT_TRUE(t.SetIdState("fast", false));
  EXPECT_EQ(t.TraceMessage(ctx, "fast", kTypeSip, ""), 1);  // off is not an error
  EXPECT_EQ(api.sent.size(), 4u);
  ASSERT_TRUE(t.SetIdState("fast", true));
  api.full = true;  // the named one drops, the ad-hoc one still queues
  EXPECT_EQ(t.TraceMessage(ctx, "fast", kTypeSip, ""), 1);
  EXPECT_EQ(api.sent.size(), 5u);
  EXPECT_EQ(t.stats().dropped.Get(), 1);
  t.SetGlobal(false);
  EXPECT_EQ(t.TraceMessage(ctx, "fast", kTypeSip, ""), 1);
  EXPECT_EQ(api.sent.size(), 5u);
  EXPECT_EQ(t.stats().not_traced_off.Get(), 1);
  EXPECT_EQ(t.stats().traced_requests.Get(), 3);
}

TEST(HepApiOutTest, UnknownHepIdIsAStartupError) {
  FakeHepApi api;
  HepApiOut out(&api);
  Tracer t(Opts());
  t.AddDest(*ParseTraceId("[tid]hep:nosuch"));
  Status st = t.Start(&out, nullptr, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("unknown hep_id 'nosuch'"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sipcapd::siptrace
