// link: proto_hep_logic
// HEP codec: the spec test vector, real senders' v1/v2/v3 layouts, round
// trips between versions, and encoding details.
#include "modules/proto_hep/hep_codec.h"

#include <gtest/gtest.h>

#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace sipcapd::hep::testing;

std::string Hex(std::string_view s) {
  std::string r;
  for (unsigned char c : s) {
    r += "0123456789abcdef"[c >> 4];
    r += "0123456789abcdef"[c & 15];
  }
  return r;
}

// The spec rev 37 example, transcribed from the document's hex dump.
std::string SpecHex() {
  const char* hex =
      "484550330071"
      "00000001000702"
      "00000002000711"
      "00000003000ad4ca0001"
      "00000004000a527400d3"
      "000000070008"
      "2eea"
      "000000080008"
      "13c4"
      "00000009000a4e4982cb"
      "0000000a000a0001d4c0"
      "0000000b000701"
      "0000000c000a000000e4"
      "0000000f0014";
  std::string r;
  for (const char* c = hex; c[0] && c[1]; c += 2)
    r.push_back(static_cast<char>(std::stoi(std::string(c, 2), nullptr, 16)));
  return r + "INVITE sip:bob";
}

TEST(HepCodec, SpecVectorBytes) {
  ASSERT_EQ(SpecHex().size(), 113u);
  EXPECT_EQ(Hex(SpecVector()), Hex(SpecHex()));
}

TEST(HepCodec, DecodesSpecVector) {
  DecodeError why = DecodeError::kCount;
  auto r = Decode(SpecHex(), {}, &why);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(why, DecodeError::kNone);
  const Packet& p = r.value();
  EXPECT_EQ(p.version, 3);
  EXPECT_EQ(p.family, 2);
  EXPECT_EQ(p.ip_proto, 17);
  EXPECT_EQ(p.src_ip.ToString(), "212.202.0.1");
  EXPECT_EQ(p.dst_ip.ToString(), "82.116.0.211");
  EXPECT_EQ(p.src_port, 12010);
  EXPECT_EQ(p.dst_port, 5060);
  EXPECT_EQ(p.ts_sec, 1313440459u);
  EXPECT_EQ(p.ts_usec, 120000u);
  EXPECT_EQ(p.TimestampUs(), 1313440459120000);
  EXPECT_EQ(p.proto_type, 1);
  EXPECT_EQ(p.capture_id, 228u);
  EXPECT_EQ(p.payload, "INVITE sip:bob");
  EXPECT_FALSE(p.compressed);
  EXPECT_TRUE(p.extra.empty());
  EXPECT_EQ(p.trailing_bytes, 0u);
  EXPECT_TRUE(p.Has(kChunkCaptureId));
  EXPECT_FALSE(p.Has(kChunkCorrelationId));
}

TEST(HepCodec, SpecVectorReencodesByteExact) {
  auto r = Decode(SpecVector());
  ASSERT_TRUE(r.ok());
  std::string out;
  ASSERT_TRUE(Encode(r.value(), 3, &out).ok());
  EXPECT_EQ(Hex(out), Hex(SpecVector()));
}

TEST(HepCodec, Eep1AliasAccepted) {
  std::string v = SpecVector();
  v.replace(0, 4, "EEP1");
  auto r = Decode(v);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->eep1_magic);
  std::string out;
  ASSERT_TRUE(Encode(r.value(), 3, &out).ok());
  EXPECT_EQ(out.substr(0, 4), "HEP3");
}

// Kamailio 5.6.3 siptrace hep_version=2, as captured on the wire.
std::string KamailioV2() {
  std::string h =
      "\x02\x10\x02\x11" + Be(5070, 2) + Be(5060, 2) + Ip4(127, 0, 0, 1) + Ip4(127, 0, 0, 1);
  h += std::string("\x27\x9e\x04\x6b\x93\x0c\x01\x00\xd1\x07\x00\x00", 12);
  return h + "INVITE sip:bob@example.com SIP/2.0\r\n\r\n";
}

TEST(HepCodec, DecodesKamailioV2LittleEndianTimeBlock) {
  auto r = Decode(KamailioV2());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Packet& p = r.value();
  EXPECT_EQ(p.version, 2);
  EXPECT_EQ(p.src_port, 5070);
  EXPECT_EQ(p.dst_port, 5060);
  EXPECT_EQ(p.src_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p.ts_sec, 0x6b049e27u);
  EXPECT_EQ(p.ts_usec, 0x00010c93u);
  EXPECT_EQ(p.capture_id, 2001u);
  EXPECT_EQ(p.proto_type, kProtoSip);
  EXPECT_EQ(p.payload.substr(0, 6), "INVITE");
}

TEST(HepCodec, V2ReencodesByteExact) {
  auto r = Decode(KamailioV2());
  ASSERT_TRUE(r.ok());
  std::string out;
  EncodeReport rep;
  ASSERT_TRUE(Encode(r.value(), 2, &out, &rep).ok());
  EXPECT_EQ(Hex(out), Hex(KamailioV2()));
  EXPECT_TRUE(rep.dropped.empty());
}

TEST(HepCodec, V1Ipv6) {
  auto src = IpAddr::Parse("2001:db8::1").value();
  auto dst = IpAddr::Parse("2001:db8::2").value();
  std::string h = "\x01\x28\x0a\x06" + Be(5061, 2) + Be(5062, 2);
  h.append(reinterpret_cast<const char*>(src.bytes.data()), 16);
  h.append(reinterpret_cast<const char*>(dst.bytes.data()), 16);
  h += "OPTIONS sip:x SIP/2.0\r\n\r\n";
  auto r = Decode(h);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->family, 10);
  EXPECT_EQ(r->ip_proto, 6);
  EXPECT_EQ(r->src_ip.ToString(), "2001:db8::1");
  EXPECT_EQ(r->dst_ip.ToString(), "2001:db8::2");
  EXPECT_EQ(r->payload, "OPTIONS sip:x SIP/2.0\r\n\r\n");
  EXPECT_FALSE(r->Has(kChunkTsSec));
}

TEST(HepCodec, V2OverIpv6) {
  std::string h = "\x02\x28\x0a\x11" + Be(1, 2) + Be(2, 2) + std::string(32, '\x01') +
                  std::string("\x05\x00\x00\x00\x06\x00\x00\x00\x07\x00\x00\x00", 12) + "X";
  auto r = Decode(h);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->ts_sec, 5u);
  EXPECT_EQ(r->ts_usec, 6u);
  EXPECT_EQ(r->capture_id, 7u);
  EXPECT_EQ(r->payload, "X");
}

TEST(HepCodec, V3ToV2ToV3KeepsWhatV2Carries) {
  Packet p = RichV3();
  p.correlation_id = "abc@host";
  p.Mark(kChunkCorrelationId);
  p.extra.push_back({kVendorOpenSips, 0x0099, "vendor-data"});
  std::string v2;
  EncodeReport rep;
  ASSERT_TRUE(Encode(p, 2, &v2, &rep).ok());
  ASSERT_EQ(rep.dropped.size(), 2u);
  EXPECT_EQ(rep.dropped[0].type, kChunkCorrelationId);
  EXPECT_EQ(rep.dropped[1].vendor, kVendorOpenSips);
  auto back = Decode(v2);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->version, 2);
  std::string v3;
  ASSERT_TRUE(Encode(back.value(), 3, &v3).ok());
  auto again = Decode(v3);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->src_ip.ToString(), "10.0.0.1");
  EXPECT_EQ(again->dst_port, 5080);
  EXPECT_EQ(again->ts_sec, 1700000000u);
  EXPECT_EQ(again->ts_usec, 123456u);
  EXPECT_EQ(again->capture_id, 2001u);
  EXPECT_EQ(again->payload, p.payload);
  EXPECT_TRUE(again->correlation_id.empty());
}

TEST(HepCodec, V2CaptureIdTruncationReported) {
  Packet p = RichV3();
  p.capture_id = 70000;
  std::string v2;
  EncodeReport rep;
  ASSERT_TRUE(Encode(p, 2, &v2, &rep).ok());
  EXPECT_TRUE(rep.capture_id_truncated);
  EXPECT_EQ(Decode(v2)->capture_id, 70000u & 0xffff);
}

TEST(HepCodec, V3AllTypedChunksRoundTrip) {
  Packet p = RichV3();
  p.keep_alive = 30;
  p.Mark(kChunkKeepAlive);
  p.auth_key = "secret";
  p.Mark(kChunkAuthKey);
  p.correlation_id = "cid";
  p.Mark(kChunkCorrelationId);
  p.vlan_id = 100;
  p.Mark(kChunkVlanId);
  p.node_name = "node1";
  p.Mark(kChunkNodeName);
  p.src_mac = 0x0011223344556677;
  p.Mark(kChunkSrcMac);
  p.dst_mac = 0x8899aabbccddeeff;
  p.Mark(kChunkDstMac);
  p.eth_type = 0x0800;
  p.Mark(kChunkEthType);
  p.tcp_flags = 0x18;
  p.Mark(kChunkTcpFlags);
  p.ip_tos = 0xb8;
  p.Mark(kChunkIpTos);
  p.mos = 436;
  p.Mark(kChunkMos);
  p.r_factor = 93;
  p.Mark(kChunkRFactor);
  p.geo_location = "48.1,11.5";
  p.Mark(kChunkGeoLocation);
  p.jitter = 12;
  p.Mark(kChunkJitter);
  p.transaction_type = "call";
  p.Mark(kChunkTransactionType);
  p.payload_json_keys = "k";
  p.Mark(kChunkPayloadJsonKeys);
  p.tag_values = "t";
  p.Mark(kChunkTagValues);
  p.tag_type = 3;
  p.Mark(kChunkTagType);
  p.event_type = 1;
  p.Mark(kChunkEventType);
  p.group_id = "g1";
  p.Mark(kChunkGroupId);
  p.extra.push_back({0, 0x0030, "unknown"});
  p.extra.push_back({8, 0x0080, std::string("\x00\x01", 2)});
  std::string out;
  ASSERT_TRUE(Encode(p, 3, &out).ok());
  auto r = Decode(out);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Packet& q = r.value();
  EXPECT_EQ(q.present, p.present);
  EXPECT_EQ(q.keep_alive, 30);
  EXPECT_EQ(q.auth_key, "secret");
  EXPECT_EQ(q.vlan_id, 100);
  EXPECT_EQ(q.node_name, "node1");
  EXPECT_EQ(q.src_mac, 0x0011223344556677u);
  EXPECT_EQ(q.dst_mac, 0x8899aabbccddeeffu);
  EXPECT_EQ(q.eth_type, 0x0800);
  EXPECT_EQ(q.tcp_flags, 0x18);
  EXPECT_EQ(q.ip_tos, 0xb8);
  EXPECT_EQ(q.mos, 436);
  EXPECT_EQ(q.r_factor, 93);
  EXPECT_EQ(q.geo_location, "48.1,11.5");
  EXPECT_EQ(q.jitter, 12u);
  EXPECT_EQ(q.transaction_type, "call");
  EXPECT_EQ(q.payload_json_keys, "k");
  EXPECT_EQ(q.tag_values, "t");
  EXPECT_EQ(q.tag_type, 3);
  EXPECT_EQ(q.event_type, 1);
  EXPECT_EQ(q.group_id, "g1");
  EXPECT_EQ(q.extra, p.extra);
  std::string again;
  ASSERT_TRUE(Encode(q, 3, &again).ok());
  EXPECT_EQ(again, out);
}

TEST(HepCodec, CompressedPayloadRoundTrip) {
  Packet p = RichV3();
  p.compressed = true;
  std::string out;
  ASSERT_TRUE(Encode(p, 3, &out).ok());
  EXPECT_EQ(out.find("INVITE"), std::string::npos);
  auto r = Decode(out);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->compressed);
  EXPECT_TRUE(r->Has(kChunkCompressedPayload));
  EXPECT_EQ(r->payload, p.payload);
}

TEST(HepCodec, Ipv6V3RoundTrip) {
  Packet p = RichV3();
  p.SetAddresses({IpAddr::Parse("::1").value(), 1}, {IpAddr::Parse("fe80::2").value(), 2});
  std::string out;
  ASSERT_TRUE(Encode(p, 3, &out).ok());
  auto r = Decode(out);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->family, 10);
  EXPECT_TRUE(r->Has(kChunkIp6Src));
  EXPECT_EQ(r->dst_ip.ToString(), "fe80::2");
}

TEST(HepCodec, EncodeRejectsOversizeAndBadVersion) {
  Packet p = RichV3();
  p.payload.assign(65600, 'x');
  std::string out;
  EXPECT_FALSE(Encode(p, 3, &out).ok());
  EXPECT_FALSE(Encode(RichV3(), 4, &out).ok());
  p.payload.assign(65535 - 6 - 6 - 100, 'x');
  EXPECT_TRUE(Encode(p, 3, &out).ok());
}

TEST(HepCodec, OpenSipsOrderCorrelationAfterPayload) {
  std::string v = Hep3({Ch(1, Be(2, 1)), Ch(2, Be(17, 1)), Ch(7, Be(1, 2)), Ch(8, Be(2, 2)),
                        Ch(9, Be(3, 4)), Ch(10, Be(4, 4)), Ch(11, Be(1, 1)), Ch(12, Be(1, 4)),
                        Ch(3, Ip4(1, 2, 3, 4)), Ch(4, Ip4(5, 6, 7, 8)), Ch(15, "SIP"),
                        Ch(0x65, "{\"net\":\"1\"}"), Ch(0x11, "call-id-1")});
  auto r = Decode(v);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->correlation_id, "call-id-1");
  ASSERT_NE(r->FindExtra(0, kChunkExtraCorrelation), nullptr);
  EXPECT_EQ(r->FindExtra(0, kChunkExtraCorrelation)->data, "{\"net\":\"1\"}");
}

}  // namespace
}  // namespace sipcapd::hep
