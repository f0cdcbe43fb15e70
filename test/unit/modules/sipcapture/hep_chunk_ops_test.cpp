// link: sipcapture_logic
#include "modules/sipcapture/hep_chunk_ops.h"

#include <gtest/gtest.h>

namespace sipcapd::sipcapture {
namespace {

hep::Packet Sample() {
  hep::Packet p;
  p.version = 3;
  p.family = 2;
  p.ip_proto = 17;
  p.src_ip = *IpAddr::Parse("10.1.1.1");
  p.dst_ip = *IpAddr::Parse("10.2.2.2");
  p.src_port = 5060;
  p.dst_port = 5060;
  p.ts_sec = 1700000000;
  p.ts_usec = 5;
  p.proto_type = 1;
  p.capture_id = 7;
  for (uint16_t t : {1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 15}) p.Mark(t);
  p.payload = "OPTIONS sip:a@b SIP/2.0\r\n\r\n";
  return p;
}

TEST(HepChunkOps, ParseNamesAndNumbers) {
  EXPECT_EQ(*ParseChunkId("src_ip"), 3);
  EXPECT_EQ(*ParseChunkId("PROTO_TYPE"), 11);
  EXPECT_EQ(*ParseChunkId("0x11"), 0x11);
  EXPECT_EQ(*ParseChunkId("1000"), 1000);
  EXPECT_FALSE(ParseChunkId("bogus").ok());
  EXPECT_FALSE(ParseChunkId("70000").ok());
  EXPECT_EQ(*ParseDataType("UTF8-string"), DataType::kUtf8);
  EXPECT_FALSE(ParseDataType("uint64").ok());
  EXPECT_EQ(*ParseVendorId("0x3"), 3);
  EXPECT_FALSE(ParseVendorId("x").ok());
}

TEST(HepChunkOps, StructChunksSetAndGet) {
  hep::Packet p = Sample();
  EXPECT_EQ(*HepSet(&p, 2, DataType::kUtf8, 3, "tcp"), SetOutcome::kOk);
  EXPECT_EQ(p.ip_proto, 6);
  EXPECT_EQ(HepGet(p, 2, DataType::kUtf8)->data, Value::Str("TCP"));
  EXPECT_FALSE(HepSet(&p, 2, DataType::kUtf8, 3, "carrier-pigeon").ok());
  // Admin guide names without an IPPROTO number: 0 (as OpenSIPS relays them).
  for (const char* n : {"WSS", "BIN", "HEP"}) {
    EXPECT_EQ(*HepSet(&p, 2, DataType::kUtf8, 3, n), SetOutcome::kOk) << n;
    EXPECT_EQ(p.ip_proto, 0) << n;
  }
  EXPECT_EQ(*HepSet(&p, 2, DataType::kUtf8, 3, "WS"), SetOutcome::kOk);
  EXPECT_EQ(p.ip_proto, 50);
  EXPECT_EQ(*HepSet(&p, 7, DataType::kUtf8, 3, "5999"), SetOutcome::kOk);
  EXPECT_EQ(HepGet(p, 7, DataType::kUtf8)->data, Value::Int(5999));
  EXPECT_FALSE(HepSet(&p, 8, DataType::kUtf8, 3, "70000").ok());
  EXPECT_EQ(*HepSet(&p, 11, DataType::kUtf8, 3, "rtcp"), SetOutcome::kOk);
  EXPECT_EQ(HepGet(p, 11, DataType::kUtf8)->data, Value::Str("RTCP"));
  EXPECT_EQ(*HepSet(&p, 12, DataType::kUtf8, 3, "2002"), SetOutcome::kOk);
  EXPECT_EQ(HepGet(p, 12, DataType::kUtf8)->data, Value::Int(2002));
  EXPECT_EQ(HepGet(p, 1, DataType::kUtf8)->data, Value::Str("AF_INET"));
  EXPECT_EQ(HepGet(p, 9, DataType::kUtf8)->data, Value::Int(1700000000));
  EXPECT_EQ(*HepSet(&p, 15, DataType::kUtf8, 3, "new payload"), SetOutcome::kOk);
  EXPECT_EQ(HepGet(p, 15, DataType::kUtf8)->data, Value::Str("new payload"));
  // Family and timestamps cannot be set: script stops (OpenSIPS returns 0).
  EXPECT_EQ(*HepSet(&p, 1, DataType::kUtf8, 3, "10"), SetOutcome::kStop);
  EXPECT_EQ(*HepSet(&p, 9, DataType::kUtf8, 3, "1"), SetOutcome::kStop);
  EXPECT_EQ(*HepSet(&p, 10, DataType::kUtf8, 3, "1"), SetOutcome::kStop);
  EXPECT_EQ(p.ts_sec, 1700000000u);
}

TEST(HepChunkOps, AddressSwitchesFamilyAndEncodes) {
  hep::Packet p = Sample();
  ASSERT_TRUE(HepSet(&p, 3, DataType::kUtf8, 0, "2001:db8::5").ok());
  ASSERT_TRUE(HepSet(&p, 4, DataType::kUtf8, 0, "2001:db8::6").ok());
  EXPECT_EQ(p.family, 10);
  EXPECT_EQ(HepGet(p, 1, DataType::kUtf8)->data, Value::Str("AF_INET6"));
  std::string wire;
  ASSERT_TRUE(hep::Encode(p, 3, &wire).ok());
  auto back = hep::Decode(wire);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->src_ip.ToString(), "2001:db8::5");
  EXPECT_EQ(back->dst_ip.ToString(), "2001:db8::6");
  EXPECT_FALSE(HepSet(&p, 3, DataType::kUtf8, 0, "not-an-ip").ok());
}

TEST(HepChunkOps, CustomChunksEveryDataType) {
  hep::Packet p = Sample();
  ASSERT_TRUE(HepSet(&p, 1000, DataType::kUint8, 3, "200").ok());
  ASSERT_TRUE(HepSet(&p, 1001, DataType::kUint16, 3, "0x1234").ok());
  ASSERT_TRUE(HepSet(&p, 1002, DataType::kUint32, 7, "4000000000").ok());
  ASSERT_TRUE(HepSet(&p, 1003, DataType::kInet4, 3, "1.2.3.4").ok());
  ASSERT_TRUE(HepSet(&p, 1004, DataType::kInet6, 3, "::1").ok());
  ASSERT_TRUE(HepSet(&p, 1005, DataType::kUtf8, 3, "hello").ok());
  ASSERT_TRUE(HepSet(&p, 1006, DataType::kOctet, 3, std::string("a\0b", 3)).ok());
  EXPECT_FALSE(HepSet(&p, 1007, DataType::kUint8, 3, "256").ok());
  EXPECT_FALSE(HepSet(&p, 1007, DataType::kInet4, 3, "::1").ok());
  EXPECT_EQ(HepGet(p, 1000, DataType::kUint8)->data, Value::Int(200));
  EXPECT_EQ(HepGet(p, 1001, DataType::kUint16)->data, Value::Int(0x1234));
  auto g = HepGet(p, 1002, DataType::kUint32);
  EXPECT_EQ(g->data, Value::Int(4000000000LL));
  EXPECT_EQ(g->vendor, Value::Int(7));
  EXPECT_EQ(HepGet(p, 1003, DataType::kInet4)->data, Value::Str("1.2.3.4"));
  EXPECT_EQ(HepGet(p, 1004, DataType::kInet6)->data, Value::Str("::1"));
  EXPECT_EQ(HepGet(p, 1005, DataType::kUtf8)->data, Value::Str("hello"));
  EXPECT_EQ(HepGet(p, 1006, DataType::kOctet)->data, Value::Str(std::string("a\0b", 3)));
  EXPECT_FALSE(HepGet(p, 1000, DataType::kUint32).ok());  // wrong size
  // Replace keeps one chunk.
  ASSERT_TRUE(HepSet(&p, 1005, DataType::kUtf8, 3, "again").ok());
  EXPECT_EQ(HepGet(p, 1005, DataType::kUtf8)->data, Value::Str("again"));
  size_t n = 0;
  for (const auto& c : p.extra) n += c.type == 1005;
  EXPECT_EQ(n, 1u);
  // Survives an encode/decode round trip.
  std::string wire;
  ASSERT_TRUE(hep::Encode(p, 3, &wire).ok());
  auto back = hep::Decode(wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(HepGet(*back, 1005, DataType::kUtf8)->data, Value::Str("again"));
}

TEST(HepChunkOps, TypedGenericChunkCorrelationId) {
  hep::Packet p = Sample();
  ASSERT_TRUE(HepSet(&p, 0x11, DataType::kUtf8, 0, "corr-x").ok());
  EXPECT_EQ(p.correlation_id, "corr-x");
  EXPECT_TRUE(p.Has(0x11));
  EXPECT_EQ(HepGet(p, 0x11, DataType::kUtf8)->data, Value::Str("corr-x"));
  EXPECT_EQ(p.payload, "OPTIONS sip:a@b SIP/2.0\r\n\r\n");
  EXPECT_EQ(p.capture_id, 7u);
  ASSERT_TRUE(HepDel(&p, 0x11).ok());
  EXPECT_FALSE(HepGet(p, 0x11, DataType::kUtf8).ok());
}

TEST(HepChunkOps, DeleteAndMissing) {
  hep::Packet p = Sample();
  ASSERT_TRUE(HepDel(&p, 12).ok());
  EXPECT_FALSE(p.Has(12));
  EXPECT_EQ(HepDel(&p, 12).code(), StatusCode::kNotFound);
  EXPECT_EQ(HepGet(p, 12, DataType::kUtf8).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(HepDel(&p, 4242).code(), StatusCode::kNotFound);  // empty custom list: no crash
  ASSERT_TRUE(HepSet(&p, 4242, DataType::kUtf8, 3, "v").ok());
  ASSERT_TRUE(HepDel(&p, 4242).ok());
  EXPECT_TRUE(p.extra.empty());
  ASSERT_TRUE(HepDel(&p, 3).ok());
  std::string wire;
  ASSERT_TRUE(hep::Encode(p, 3, &wire).ok());
  auto back = hep::Decode(wire);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_FALSE(back->Has(3));
  EXPECT_FALSE(back->Has(12));
}

}  // namespace
}  // namespace sipcapd::sipcapture
