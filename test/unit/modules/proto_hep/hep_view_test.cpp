// link: proto_hep_logic
// Zero-copy decode (DecodeView / ToPacket) and the chunk-count limit
// (DecodeOptions::max_chunks, set from hep_max_msg_chunks).
#include <gtest/gtest.h>

#include <span>

#include "modules/proto_hep/hep_codec.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace sipcapd::hep::testing;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(HepView, FieldsPointIntoTheInput) {
  std::string in = SpecVector();
  PacketView v;
  ASSERT_TRUE(DecodeView(Bytes(in), {}, &v).ok());
  EXPECT_EQ(v.payload, "INVITE sip:bob");
  EXPECT_GE(v.payload.data(), in.data());
  EXPECT_LT(v.payload.data(), in.data() + in.size());
  EXPECT_EQ(v.src_ip.ToString(), "212.202.0.1");
  EXPECT_EQ(v.dst_ip.ToString(), "82.116.0.211");
  EXPECT_EQ(v.src_port, 12010);
  EXPECT_EQ(v.capture_id, 228u);
  EXPECT_EQ(v.chunk_count, 11u);
  // ToPacket is the owning form; it re-encodes byte-exact.
  Packet p = ToPacket(v);
  std::string out;
  ASSERT_TRUE(Encode(p, 3, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(HepView, ExtraChunksSpillPastTheInlineCapacityInOrder) {
  // 12 vendor chunks, then an IPv6 pair that the IPv4 family pushes into
  // extra at its arrival position (between vendor chunks 3 and 4).
  std::string body;
  std::string v6a(16, 'a'), v6b(16, 'b');
  std::vector<std::string> parts;
  for (int i = 0; i < 12; ++i) {
    if (i == 4) {
      parts.push_back(Ch(5, v6a));
      parts.push_back(Ch(6, v6b));
    }
    parts.push_back(Ch(static_cast<uint16_t>(0x100 + i), std::string(1, char('A' + i)), 7));
  }
  for (const auto& c : parts) body += c;
  std::string in =
      Hep3({Ch(1, Be(2, 1)), Ch(3, Ip4(1, 2, 3, 4)), Ch(4, Ip4(5, 6, 7, 8)), body, Ch(15, "pl")});
  PacketView v;
  ASSERT_TRUE(DecodeView(Bytes(in), {}, &v).ok());
  ASSERT_EQ(v.extra.size(), 14u);
  EXPECT_GT(v.extra.size(), ChunkViews::kInline);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(v.extra[i].type, 0x100 + i);
  EXPECT_EQ(v.extra[4].type, 5);
  EXPECT_EQ(v.extra[4].data, v6a);
  EXPECT_EQ(v.extra[5].type, 6);
  for (int i = 4; i < 12; ++i) {
    EXPECT_EQ(v.extra[i + 2].type, 0x100 + i);
    EXPECT_EQ(v.extra[i + 2].vendor, 7);
    EXPECT_EQ(v.extra[i + 2].data, std::string(1, char('A' + i)));
  }
  // The owning decode agrees, and the packet re-encodes to the same bytes.
  auto p = Decode(in);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->extra.size(), v.extra.size());
  for (size_t i = 0; i < v.extra.size(); ++i) EXPECT_EQ(p->extra[i].data, v.extra[i].data);
  std::string out;
  ASSERT_TRUE(Encode(*p, 3, &out).ok());
  auto again = Decode(out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->extra, p->extra);
}

TEST(HepView, ReuseClearsThePreviousPacket) {
  PacketView v;
  std::string a = Hep3({Ch(17, "call-1"), Ch(14, "key"), Ch(0x200, "x", 3), Ch(15, "one")});
  std::string b = Hep3({Ch(15, "two")});
  ASSERT_TRUE(DecodeView(Bytes(a), {}, &v).ok());
  EXPECT_EQ(v.correlation_id, "call-1");
  ASSERT_TRUE(DecodeView(Bytes(b), {}, &v).ok());
  EXPECT_EQ(v.payload, "two");
  EXPECT_TRUE(v.correlation_id.empty());
  EXPECT_TRUE(v.auth_key.empty());
  EXPECT_FALSE(v.Has(kChunkCorrelationId));
  EXPECT_TRUE(v.extra.empty());
  // A failed decode reports the reason.
  DecodeError why = DecodeError::kNone;
  EXPECT_FALSE(DecodeView(Bytes(std::string("HEP3\0\5", 6)), {}, &v, &why).ok());
  EXPECT_EQ(why, DecodeError::kBadLength);
}

TEST(HepView, CompressedPayloadLivesInTheView) {
  Packet p;
  p.payload = std::string(2000, 'z');
  p.compressed = true;
  p.Mark(kChunkCompressedPayload);
  std::string in;
  ASSERT_TRUE(Encode(p, 3, &in).ok());
  PacketView v;
  ASSERT_TRUE(DecodeView(Bytes(in), {}, &v).ok());
  EXPECT_TRUE(v.compressed);
  EXPECT_EQ(v.payload, p.payload);
  EXPECT_EQ(ToPacket(v).payload, p.payload);
}

// Encode(PacketView) (senders that view data they do not own) writes the
// bytes of Encode(ToPacket(view)): every typed field, octet field, extra
// chunk and the compressed payload; v1/v2 too.
TEST(HepView, EncodesTheBytesOfItsOwningForm) {
  Packet p = RichV3();
  p.auth_key = "secret";
  p.Mark(kChunkAuthKey);
  p.correlation_id = "cid-1@host";
  p.Mark(kChunkCorrelationId);
  p.node_name = "node-7";
  p.Mark(kChunkNodeName);
  p.vlan_id = 42;
  p.Mark(kChunkVlanId);
  for (int i = 0; i < 10; ++i)  // past the view's inline extra capacity
    p.extra.push_back(Chunk{7, static_cast<uint16_t>(0x200 + i), std::string(i + 1, 'x')});
  for (bool compressed : {false, true}) {
    p.compressed = compressed;
    std::string in;
    ASSERT_TRUE(Encode(p, 3, &in).ok());
    PacketView v;
    ASSERT_TRUE(DecodeView(Bytes(in), {}, &v).ok());
    std::string from_view;
    ASSERT_TRUE(Encode(v, 3, &from_view).ok());
    EXPECT_EQ(from_view, in) << "compressed " << compressed;
    for (int version : {1, 2}) {
      std::string a, b;
      ASSERT_TRUE(Encode(v, version, &a).ok());
      ASSERT_TRUE(Encode(ToPacket(v), version, &b).ok());
      EXPECT_EQ(a, b) << "version " << version;
    }
  }
  // A view built by hand (siptrace's fast path): the same bytes as the Packet.
  PacketView hand;
  static_cast<PacketFields&>(hand) = p;
  hand.payload = p.payload;
  hand.correlation_id = p.correlation_id;
  hand.auth_key = p.auth_key;
  hand.node_name = p.node_name;
  p.extra.clear();
  p.compressed = false;
  hand.compressed = false;
  std::string want, got;
  ASSERT_TRUE(Encode(p, 3, &want).ok());
  ASSERT_TRUE(Encode(hand, 3, &got).ok());
  EXPECT_EQ(got, want);
}

TEST(HepMaxChunks, LimitCountsEveryChunk) {
  std::string in = SpecVector();  // 11 chunks
  DecodeOptions o;
  o.max_chunks = 11;
  EXPECT_TRUE(Decode(in, o).ok());
  o.max_chunks = 10;
  DecodeError why = DecodeError::kNone;
  auto r = Decode(in, o, &why);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(why, DecodeError::kTooManyChunks);
  EXPECT_NE(r.status().message().find("too_many_chunks"), std::string::npos);
  o.max_chunks = 0;  // no limit
  EXPECT_TRUE(Decode(in, o).ok());
  // Vendor / unknown chunks count too: 40 empty vendor chunks + payload.
  std::string body;
  for (int i = 0; i < 40; ++i) body += Ch(0x300, "", 9);
  std::string many = Hep3({body, Ch(15, "p")});
  o.max_chunks = 32;
  EXPECT_FALSE(Decode(many, o, &why).ok());
  EXPECT_EQ(why, DecodeError::kTooManyChunks);
  o.max_chunks = 41;
  EXPECT_TRUE(Decode(many, o).ok());
  // v1/v2 have no chunks: the limit does not apply.
  EXPECT_STREQ(DecodeErrorName(DecodeError::kTooManyChunks), "too_many_chunks");
}

}  // namespace
}  // namespace sipcapd::hep
