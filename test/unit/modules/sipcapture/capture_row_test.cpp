// link: sipcapture_logic
#include "modules/sipcapture/capture_row.h"

#include <gtest/gtest.h>

#include <map>

namespace sipcapd::sipcapture {
namespace {

const char kInvite[] =
    "INVITE sip:bob@biloxi.example.com:5070 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKsecond\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice-c@192.0.2.7:5062>\r\n"
    "P-Asserted-Identity: <sip:pai-user@atlanta.example.com>\r\n"
    "Proxy-Authorization: Digest username=\"alice-auth@atlanta.example.com\", realm=\"atlanta\", "
    "nonce=\"abc\", uri=\"sip:bob@biloxi.example.com\", response=\"0123\"\r\n"
    "Diversion: <sip:div-user@example.net>;reason=unconditional\r\n"
    "X-CID: aleg-call-id\r\n"
    "X-OIP: 198.51.100.4:5099\r\n"
    "X-RTP-Stat: CS=0;PS=10\r\n"
    "Reason: Q.850;cause=16\r\n"
    "User-Agent: softphone/1.0\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 0\r\n\r\n";

std::map<std::string, db::Value> ByName(const Config& cfg, const db::Row& row) {
  auto cols = SipColumns(cfg.col);
  EXPECT_EQ(cols.size(), row.values.size());
  std::map<std::string, db::Value> m;
  for (size_t i = 0; i < cols.size() && i < row.values.size(); ++i) m[cols[i]] = row.values[i];
  return m;
}

hep::Packet V3Packet(std::string payload) {
  hep::Packet p;
  p.version = 3;
  p.family = 2;
  p.ip_proto = 17;
  p.src_ip = *IpAddr::Parse("192.0.2.10");
  p.dst_ip = *IpAddr::Parse("192.0.2.20");
  p.src_port = 5060;
  p.dst_port = 5080;
  p.ts_sec = 1700000000;
  p.ts_usec = 123456;
  p.proto_type = 1;
  p.capture_id = 2001;
  p.correlation_id = "corr-1";
  for (uint16_t t : {1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 15, 0x11}) p.Mark(t);
  p.payload = std::move(payload);
  return p;
}

TEST(CaptureRow, EveryColumnOfAnInviteOverHepV3) {
  Config cfg;
  hep::Packet p = V3Packet(kInvite);
  HepView hv{&p, 3, {}};
  auto msg = sip::Message::Parse(p.payload);
  SipCaptureInput in;
  in.msg = msg.get();
  in.payload = p.payload;
  in.hep = &hv;
  in.now_us = 42;
  in.custom[0] = "cf1";
  db::Row row = BuildSipRow(cfg, in);
  auto m = ByName(cfg, row);
  const int64_t ts = 1700000000LL * 1000000 + 123456;
  EXPECT_EQ(row.time_us, ts);
  EXPECT_EQ(m["date"], db::Value::DateTime(ts));
  EXPECT_EQ(m["micro_ts"], db::Value::BigInt(ts));
  EXPECT_EQ(m["method"].s, "INVITE");
  EXPECT_EQ(m["reply_reason"].s, "");
  EXPECT_EQ(m["ruri"].s, "sip:bob@biloxi.example.com:5070");
  EXPECT_EQ(m["ruri_user"].s, "bob");
  EXPECT_EQ(m["ruri_domain"].s, "biloxi.example.com");
  EXPECT_EQ(m["from_user"].s, "alice");
  EXPECT_EQ(m["from_domain"].s, "atlanta.example.com");
  EXPECT_EQ(m["from_tag"].s, "1928301774");
  EXPECT_EQ(m["to_user"].s, "bob");
  EXPECT_EQ(m["to_domain"].s, "biloxi.example.com");
  EXPECT_EQ(m["to_tag"].s, "");
  EXPECT_EQ(m["pid_user"].s, "pai-user");
  EXPECT_EQ(m["contact_user"].s, "alice-c");
  EXPECT_EQ(m["auth_user"].s, "alice-auth");
  EXPECT_EQ(m["callid"].s, "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(m["callid_aleg"].s, "aleg-call-id");
  EXPECT_EQ(m["via_1"].s, "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds");
  EXPECT_EQ(m["via_1_branch"].s, "z9hG4bK776asdhds");
  EXPECT_EQ(m["cseq"].s, "314159 INVITE");
  EXPECT_EQ(m["diversion"].s, "div-user");
  EXPECT_EQ(m["reason"].s, "Q.850;cause=16");
  EXPECT_EQ(m["content_type"].s, "application/sdp");
  EXPECT_EQ(m["auth"].s.rfind("Digest username=\"alice-auth@atlanta.example.com\"", 0), 0u);
  EXPECT_EQ(m["user_agent"].s, "softphone/1.0");
  EXPECT_EQ(m["source_ip"].s, "192.0.2.10");
  EXPECT_EQ(m["source_port"].i, 5060);
  EXPECT_EQ(m["destination_ip"].s, "192.0.2.20");
  EXPECT_EQ(m["destination_port"].i, 5080);
  EXPECT_EQ(m["contact_ip"].s, "192.0.2.7");
  EXPECT_EQ(m["contact_port"].i, 5062);
  EXPECT_EQ(m["originator_ip"].s, "198.51.100.4");
  EXPECT_EQ(m["originator_port"].i, 5099);
  EXPECT_EQ(m["proto"].i, 17);
  EXPECT_EQ(m["family"].i, 2);
  EXPECT_EQ(m["rtp_stat"].s, "CS=0;PS=10");
  EXPECT_EQ(m["type"].i, 1);
  EXPECT_EQ(m["node"].s, "homer01:2001");
  EXPECT_EQ(m["correlation_id"].s, "corr-1");
  // Both correlation chunks: HOMER 5 keeps 0x0011, HOMER 6 takes 0x0065.
  p.extra.push_back({0, hep::kChunkExtraCorrelation, "{\"sip\":\"x\"}"});
  EXPECT_EQ(ByName(cfg, BuildSipRow(cfg, in))["correlation_id"].s, "corr-1");
  Config cfg6;
  cfg6.report_layout = ReportLayout::kHomer6;
  EXPECT_EQ(ByName(cfg6, BuildSipRow(cfg6, in))["correlation_id"].s, "{\"sip\":\"x\"}");
  p.Unmark(hep::kChunkCorrelationId);
  EXPECT_EQ(ByName(cfg, BuildSipRow(cfg, in))["correlation_id"].s, "{\"sip\":\"x\"}");
  p.extra.clear();
  p.Mark(hep::kChunkCorrelationId);
  EXPECT_EQ(m["msg"], db::Value::Blob(kInvite));
  EXPECT_EQ(m["custom_field1"].s, "cf1");
  EXPECT_EQ(m["custom_field2"].s, "");
}

TEST(CaptureRow, ReplyUsesStatusCodeAsMethodAndColumnNamesFromCfg) {
  Config cfg;
  cfg.col.method = "my_method";
  cfg.capture_node = "node7";
  std::string reply =
      "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
      "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"
      "Content-Length: 0\r\n\r\n";
  auto msg = sip::Message::Parse(reply);
  RecvInfo rcv;
  rcv.src = {*IpAddr::Parse("2001:db8::1"), 5060};
  rcv.dst = {*IpAddr::Parse("2001:db8::2"), 5061};
  rcv.proto = Proto::kTcp;
  SipCaptureInput in;
  in.msg = msg.get();
  in.payload = reply;
  in.rcv = &rcv;
  in.now_us = 777;
  auto m = ByName(cfg, BuildSipRow(cfg, in));
  EXPECT_EQ(m["my_method"].s, "486");
  EXPECT_EQ(m["reply_reason"].s, "Busy Here");
  EXPECT_EQ(m["ruri"].s, "");
  EXPECT_EQ(m["to_tag"].s, "2");
  EXPECT_EQ(m["type"].i, 2);
  EXPECT_EQ(m["node"].s, "node7");
  EXPECT_EQ(m["source_ip"].s, "2001:db8::1");
  EXPECT_EQ(m["destination_port"].i, 5061);
  EXPECT_EQ(m["proto"].i, 6);
  EXPECT_EQ(m["family"].i, 10);
  EXPECT_EQ(m["micro_ts"].i, 777);
}

TEST(CaptureRow, DamagedSipIsStillStoredWithWhatParsed) {
  Config cfg;
  std::string bad = "INVITE sip:x@y SIP/2.0\r\nCall-ID: only-this\r\nFrom: garbage <<<\r\n";
  hep::Packet p = V3Packet(bad);
  HepView hv{&p, 3, {}};
  auto msg = sip::Message::Parse(bad);
  SipCaptureInput in;
  in.msg = msg.get();
  in.payload = p.payload;
  in.hep = &hv;
  auto m = ByName(cfg, BuildSipRow(cfg, in));
  EXPECT_EQ(m["method"].s, "INVITE");
  EXPECT_EQ(m["callid"].s, "only-this");
  EXPECT_EQ(m["from_user"].s, "");
  EXPECT_EQ(m["msg"].s, bad);

  std::string junk = "\x01\x02 not sip at all";
  auto jm = sip::Message::Parse(junk);
  in.msg = jm.get();
  in.payload = junk;
  auto j = ByName(cfg, BuildSipRow(cfg, in));
  EXPECT_EQ(j["type"].i, 0);
  EXPECT_EQ(j["method"].s, "");
  EXPECT_EQ(j["msg"].s, junk);
  EXPECT_EQ(j["source_ip"].s, "192.0.2.10");
}

TEST(CaptureRow, TimestampsAndNodeByVersion) {
  Config cfg;
  hep::Packet p = V3Packet("x");
  HepView v1{&p, 1, {}};
  EXPECT_EQ(CaptureTimeUs(&v1, 5), 5);
  EXPECT_EQ(NodeName(cfg, &v1), "homer01");
  HepView v2{&p, 2, {}};
  EXPECT_EQ(CaptureTimeUs(&v2, 5), p.TimestampUs());
  EXPECT_EQ(NodeName(cfg, &v2), "homer01:2001");
  p.ts_sec = 0;  // sender left the time out: receive time
  EXPECT_EQ(CaptureTimeUs(&v2, 9), 9);
  EXPECT_EQ(CaptureTimeUs(nullptr, 11), 11);
}

TEST(CaptureRow, ReportRowAndClassification) {
  Config cfg;
  hep::Packet p = V3Packet("{\"type\":200}");
  p.proto_type = 5;
  HepView hv{&p, 3, {}};
  db::Row r = BuildReportRow(cfg, hv, "cid-9", -1, 0);
  ASSERT_EQ(r.values.size(), ReportColumns().size());
  EXPECT_EQ(r.values[2].s, "cid-9");
  EXPECT_EQ(r.values[3].s, "192.0.2.10");
  EXPECT_EQ(r.values[7].i, 17);
  EXPECT_EQ(r.values[9].i, 5);
  EXPECT_EQ(r.values[10].s, "homer01:2001");
  EXPECT_EQ(r.values[11].s, "{\"type\":200}");
  EXPECT_EQ(BuildReportRow(cfg, hv, "c", 99, 0).values[9].i, 99);
  EXPECT_EQ(ClassifyNonSip(5), NonSipKind::kRtcp);
  EXPECT_EQ(ClassifyNonSip(100), NonSipKind::kLogs);
  EXPECT_EQ(ClassifyNonSip(0x38), NonSipKind::kReport);
  EXPECT_FALSE(LooksLikeSip(p));
  p.proto_type = 1;
  EXPECT_TRUE(LooksLikeSip(p));
  p.proto_type = 0;
  p.Unmark(11);
  p.payload = "SIP/2.0 200 OK\r\n";
  EXPECT_TRUE(LooksLikeSip(p));
  p.payload = "hello";
  EXPECT_FALSE(LooksLikeSip(p));
}

// HOMER 6 report layout (opensips-modules §3.12, ops_report_capture).
TEST(CaptureRow, ReportRowHomer6) {
  Config cfg;
  cfg.report_layout = ReportLayout::kHomer6;
  hep::Packet p = V3Packet("{\"Event\":\"call-start\",\"x\":1}");
  p.proto_type = 100;
  p.extra.push_back({0, hep::kChunkExtraCorrelation, "{\"sip\":\"call-1\"}"});
  HepView hv{&p, 3, {}};
  hv.outer.dst.ip = *IpAddr::Parse("127.0.0.5");
  const auto cols = ReportColumns(ReportLayout::kHomer6);
  ASSERT_EQ(cols.size(), 17u);
  db::Row r = BuildReportRow(cfg, hv, "trans-7", -1, 0);
  ASSERT_EQ(r.values.size(), cols.size());
  std::map<std::string, db::Value> m;
  for (size_t i = 0; i < cols.size(); ++i) m[cols[i]] = r.values[i];
  EXPECT_EQ(m["tss"].type, db::Type::kDateTime);
  EXPECT_EQ(m["tss"].i, int64_t{1700000000} * 1000000);
  EXPECT_EQ(m["tsu"].i, 123456);
  EXPECT_EQ(m["transaction_id"].s, "trans-7");
  EXPECT_EQ(m["source_ip"].s, "192.0.2.10");
  EXPECT_EQ(m["source_port"].i, 5060);
  EXPECT_EQ(m["destination_ip"].s, "192.0.2.20");
  EXPECT_EQ(m["destination_port"].i, 5080);
  EXPECT_EQ(m["proto"].i, 17);
  EXPECT_EQ(m["family"].i, 2);
  EXPECT_EQ(m["type"].i, 100);
  EXPECT_EQ(m["node"].s, "homer01");  // HOMER 6: capture_node only
  EXPECT_EQ(m["data"].s, p.payload);
  EXPECT_EQ(m["payload_len"].i, static_cast<int64_t>(p.payload.size()));
  EXPECT_EQ(m["correlation_id"].s, "{\"sip\":\"call-1\"}");
  EXPECT_EQ(m["capture_ip"].s, "127.0.0.5");
  EXPECT_EQ(m["capt_id"].i, 2001);
  EXPECT_EQ(m["event"].s, "call-start");
  EXPECT_EQ(r.time_us, p.TimestampUs());
  // capture id chunk removed (hep_del) -> 0; no extra correlation -> "".
  p.Unmark(hep::kChunkCaptureId);
  p.extra.clear();
  p.payload = "not json";
  r = BuildReportRow(cfg, hv, "t", 5, 0);
  EXPECT_EQ(r.values[15].i, 0);
  EXPECT_EQ(r.values[13].s, "");
  EXPECT_EQ(r.values[16].s, "");
  EXPECT_EQ(r.values[9].i, 5);
  // v2 packet: same layout, its capture id, proto type 1.
  HepView v2{&p, 2, {}};
  r = BuildReportRow(cfg, v2, "t", -1, 0);
  ASSERT_EQ(r.values.size(), 17u);
  EXPECT_EQ(r.values[9].i, 1);
  EXPECT_EQ(r.values[15].i, 2001);
}

TEST(CaptureRow, JsonEvent) {
  EXPECT_EQ(JsonEvent("{\"Event\":\"x\"}"), "x");
  EXPECT_EQ(JsonEvent("  {\"Event\":42}"), "42");
  EXPECT_EQ(JsonEvent("{\"event\":\"x\"}"), "");  // the key is case-sensitive
  EXPECT_EQ(JsonEvent("[1,2]"), "");
  EXPECT_EQ(JsonEvent("{\"Event\":"), "");  // truncated JSON
  EXPECT_EQ(JsonEvent(""), "");
}

}  // namespace
}  // namespace sipcapd::sipcapture
