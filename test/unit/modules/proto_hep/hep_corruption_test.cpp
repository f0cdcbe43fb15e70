// link: proto_hep_logic
// LevelDB-style corruption tests: build a valid HEP packet, break one byte
// or one length, assert the result and the reason. Numbers refer to the
// failure modes A1..A22 of user-asks.md.
#include <gtest/gtest.h>
#include <zlib.h>

#include "modules/proto_hep/hep_codec.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace sipcapd::hep::testing;

DecodeError Why(const std::string& in, const DecodeOptions& o = {}) {
  DecodeError why = DecodeError::kCount;
  auto r = Decode(in, o, &why);
  if (r.ok()) {
    EXPECT_EQ(why, DecodeError::kNone);
  } else {
    // The Status message starts with the reason's name.
    EXPECT_EQ(r.status().message().rfind(DecodeErrorName(why), 0), 0u) << r.status().message();
  }
  return why;
}

std::string Base() {
  return Hep3({Ch(1, Be(2, 1)), Ch(2, Be(17, 1)), Ch(3, Ip4(1, 1, 1, 1)), Ch(4, Ip4(2, 2, 2, 2)),
               Ch(7, Be(5060, 2)), Ch(8, Be(5060, 2)), Ch(9, Be(1, 4)), Ch(10, Be(2, 4)),
               Ch(11, Be(1, 1)), Ch(12, Be(7, 4)), Ch(15, "INVITE sip:x SIP/2.0\r\n\r\n")});
}

TEST(HepCorruption, A1ShortDatagrams) {
  EXPECT_EQ(Why(""), DecodeError::kTooShort);
  EXPECT_EQ(Why("H"), DecodeError::kTooShort);
  EXPECT_EQ(Why("HEP3"), DecodeError::kTooShort);
  EXPECT_EQ(Why("HEP3\x00"), DecodeError::kTooShort);
  EXPECT_EQ(Why(std::string("HEP3\x00\x06", 6)), DecodeError::kMissingPayload);
  DecodeOptions lax;
  lax.require_payload = false;
  EXPECT_EQ(Why(std::string("HEP3\x00\x06", 6), lax), DecodeError::kNone);
}

TEST(HepCorruption, A2BadMagic) {
  for (const char* m : {"HEP2", "HEP4", "hep3", "EEP3x"}) {
    std::string v = Base();
    v.replace(0, 4, std::string(m, 4));
    EXPECT_EQ(Why(v), DecodeError::kBadMagic) << m;
  }
  EXPECT_EQ(Why("INVITE sip:bob@x SIP/2.0\r\n"), DecodeError::kBadMagic);
  EXPECT_EQ(Why(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)),
            DecodeError::kBadMagic);
  EXPECT_EQ(Why("GET / HTTP/1.1\r\n\r\n"), DecodeError::kBadMagic);
  EXPECT_EQ(Why(std::string("\x0a\x05hello\x12\x03", 9)), DecodeError::kBadMagic);
}

TEST(HepCorruption, A3TotalLengthBeyondData) {
  std::string v = Base().substr(0, 20);
  v[4] = 0;
  v[5] = static_cast<char>(200);
  EXPECT_EQ(Why(v), DecodeError::kTruncated);
  std::string w = Base();
  w.pop_back();
  EXPECT_EQ(Why(w), DecodeError::kTruncated);
}

TEST(HepCorruption, A4TrailingGarbageIgnoredAndCounted) {
  std::string v = Base() + "garbage";
  auto r = Decode(v);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->trailing_bytes, 7u);
  EXPECT_EQ(r->payload, "INVITE sip:x SIP/2.0\r\n\r\n");
}

TEST(HepCorruption, A5TotalLengthOutOfRange) {
  std::string v = Base();
  for (int len : {0, 1, 5}) {
    v[4] = 0;
    v[5] = static_cast<char>(len);
    EXPECT_EQ(Why(v), DecodeError::kBadLength) << len;
  }
  v[4] = '\xff';
  v[5] = '\xff';
  EXPECT_EQ(Why(v), DecodeError::kTruncated);
  // A total length that cuts the packet inside a chunk header.
  std::string c = Base() + "xx";
  c[5] = static_cast<char>(c[5] + 2);
  EXPECT_EQ(Why(c), DecodeError::kChunkTruncated);
}

TEST(HepCorruption, A6ChunkLengths) {
  for (int len = 0; len < 6; ++len) {
    std::string v = Hep3({Ch(1, Be(2, 1)), ChRawLen(15, static_cast<uint16_t>(len), "abcdef")});
    EXPECT_EQ(Why(v), DecodeError::kBadChunkLength) << len;
  }
  // Empty value: a valid empty payload.
  auto r = Decode(Hep3({ChRawLen(15, 6, "")}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->payload, "");
  // Overrun by one byte.
  EXPECT_EQ(Why(Hep3({Ch(1, Be(2, 1)), ChRawLen(15, 10, "abc")})), DecodeError::kChunkOverrun);
  // Last chunk header cut in the middle.
  std::string cut = Hep3({Ch(15, "abc"), std::string("\x00\x00\x00", 3)});
  EXPECT_EQ(Why(cut), DecodeError::kChunkTruncated);
}

TEST(HepCorruption, A7FixedSizeChunks) {
  std::string payload = Ch(15, "p");
  EXPECT_EQ(Why(Hep3({Ch(3, std::string(16, '\1')), payload})), DecodeError::kBadChunkSize);
  EXPECT_EQ(Why(Hep3({Ch(5, Ip4(1, 2, 3, 4)), payload})), DecodeError::kBadChunkSize);
  EXPECT_EQ(Why(Hep3({Ch(7, "\1"), payload})), DecodeError::kBadChunkSize);
  EXPECT_EQ(Why(Hep3({Ch(7, "\1\2\3"), payload})), DecodeError::kBadChunkSize);
  EXPECT_EQ(Why(Hep3({Ch(9, std::string(8, '\1')), payload})), DecodeError::kBadChunkSize);
  EXPECT_EQ(Why(Hep3({Ch(12, "\1\2"), payload})), DecodeError::kBadChunkSize);
  EXPECT_EQ(Why(Hep3({Ch(1, std::string("\2\0", 2)), payload})), DecodeError::kBadChunkSize);
  // The same sizes in a vendor chunk are not checked (kept byte-exact).
  EXPECT_EQ(Why(Hep3({Ch(7, "\1", 3), payload})), DecodeError::kNone);
}

TEST(HepCorruption, A8FamilyAndAddresses) {
  std::string pl = Ch(15, "p");
  std::string v6a(16, '\1'), v6b(16, '\2');
  EXPECT_EQ(Why(Hep3({Ch(1, Be(84, 1)), pl})), DecodeError::kBadFamily);
  EXPECT_EQ(Why(Hep3({Ch(1, Be(2, 1)), Ch(5, v6a), Ch(6, v6b), pl})), DecodeError::kFamilyMismatch);
  EXPECT_EQ(Why(Hep3({Ch(5, v6a), Ch(4, Ip4(1, 2, 3, 4)), pl})), DecodeError::kFamilyMismatch);
  EXPECT_EQ(Why(Hep3({Ch(1, Be(10, 1)), Ch(5, v6a), Ch(4, Ip4(1, 2, 3, 4)), pl})),
            DecodeError::kFamilyMismatch);
  // No address chunks: accepted, addresses unset.
  auto none = Decode(Hep3({Ch(1, Be(2, 1)), pl}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->src_ip.is_set());
  // Both pairs: the family's pair is used, the other kept in extra in place.
  auto both = Decode(Hep3({Ch(1, Be(10, 1)), Ch(3, Ip4(1, 2, 3, 4)), Ch(4, Ip4(5, 6, 7, 8)),
                           Ch(5, v6a), Ch(6, v6b), Ch(0x30, "u"), pl}));
  ASSERT_TRUE(both.ok()) << both.status().message();
  EXPECT_EQ(both->src_ip.family, AF_INET6);
  ASSERT_EQ(both->extra.size(), 3u);
  EXPECT_EQ(both->extra[0].type, 3);
  EXPECT_EQ(both->extra[1].type, 4);
  EXPECT_EQ(both->extra[2].type, 0x30);
  EXPECT_FALSE(both->Has(3));
  // No family chunk, both pairs: IPv4 wins.
  auto inferred =
      Decode(Hep3({Ch(5, v6a), Ch(6, v6b), Ch(3, Ip4(1, 2, 3, 4)), Ch(4, Ip4(5, 6, 7, 8)), pl}));
  ASSERT_TRUE(inferred.ok());
  EXPECT_EQ(inferred->src_ip.ToString(), "1.2.3.4");
  EXPECT_EQ(inferred->family, 0);
}

TEST(HepCorruption, A9DuplicatesFirstWins) {
  auto r = Decode(Hep3({Ch(15, "first"), Ch(17, "c1"), Ch(15, "second"), Ch(17, "c2")}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload, "first");
  EXPECT_EQ(r->correlation_id, "c1");
  EXPECT_EQ(r->duplicate_chunks, 2);
  ASSERT_EQ(r->extra.size(), 2u);
  EXPECT_EQ(r->extra[0].data, "second");
  // A compressed payload after a plain one is a duplicate too.
  auto z = Decode(Hep3({Ch(15, "plain"), Ch(16, "not zlib")}));
  ASSERT_TRUE(z.ok()) << z.status().message();
  EXPECT_EQ(z->payload, "plain");
}

TEST(HepCorruption, A10OrderPermutations) {
  auto r = Decode(Hep3({Ch(15, "pl"), Ch(0x1234, "v", 2), Ch(17, "cid"), Ch(3, Ip4(9, 9, 9, 9)),
                        Ch(4, Ip4(8, 8, 8, 8)), Ch(1, Be(2, 1))}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->payload, "pl");
  EXPECT_EQ(r->correlation_id, "cid");
  EXPECT_EQ(r->dst_ip.ToString(), "8.8.8.8");
}

TEST(HepCorruption, A11UnknownAndVendorChunksKeptByteExact) {
  std::string bin("\x00\xff\x01", 3);
  auto r = Decode(Hep3({Ch(0x30, "a"), Ch(15, "pl"), Ch(0x7fff, bin), Ch(1, bin, 2),
                        Ch(0x1c, "reserved"), Ch(0, "zero")}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->extra.size(), 5u);
  EXPECT_EQ(r->extra[0], (Chunk{0, 0x30, "a"}));
  EXPECT_EQ(r->extra[1], (Chunk{0, 0x7fff, bin}));
  EXPECT_EQ(r->extra[2], (Chunk{2, 1, bin}));
  EXPECT_EQ(r->extra[3].type, 0x1c);
  EXPECT_EQ(r->extra[4].type, 0);
  EXPECT_EQ(r->family, 0);  // the vendor chunk of type 1 is not the family
}

TEST(HepCorruption, A12MissingChunksDefaults) {
  auto r = Decode(Hep3({Ch(15, "only payload")}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ts_sec, 0u);
  EXPECT_EQ(r->proto_type, 0);
  EXPECT_EQ(r->capture_id, 0u);
  EXPECT_FALSE(r->Has(kChunkTsSec));
  EXPECT_EQ(Why(Hep3({Ch(1, Be(2, 1)), Ch(17, "c")})), DecodeError::kMissingPayload);
}

TEST(HepCorruption, A13PayloadContent) {
  std::string odd("\0\xff\xfe\r\n\0", 6);
  auto r = Decode(Hep3({Ch(15, odd)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload, odd);
}

TEST(HepCorruption, A14CorrelationSizes) {
  EXPECT_EQ(Decode(Hep3({Ch(17, ""), Ch(15, "p")}))->correlation_id, "");
  EXPECT_EQ(Decode(Hep3({Ch(17, "x"), Ch(15, "p")}))->correlation_id, "x");
  std::string big(65535 - 6 - 6 - 7, 'c');
  auto r = Decode(Hep3({Ch(17, big), Ch(15, "p")}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->correlation_id.size(), big.size());
}

TEST(HepCorruption, A15AuthKeyKept) {
  EXPECT_EQ(Decode(Hep3({Ch(14, "pw"), Ch(15, "p")}))->auth_key, "pw");
  EXPECT_FALSE(Decode(Hep3({Ch(15, "p")}))->Has(kChunkAuthKey));
}

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = in.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(HepCorruption, A16CompressedPayload) {
  auto ok = Decode(Hep3({Ch(16, Gzip("INVITE sip:gz"))}));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->payload, "INVITE sip:gz");
  EXPECT_TRUE(ok->compressed);
  std::string bad = Gzip("INVITE sip:gz");
  bad[bad.size() / 2] ^= 0x55;
  bad.resize(bad.size() - 4);
  EXPECT_EQ(Why(Hep3({Ch(16, bad)})), DecodeError::kBadCompressed);
  EXPECT_EQ(Why(Hep3({Ch(16, "plain text")})), DecodeError::kBadCompressed);
  // A bomb: 100 MB of zeros compresses to ~100 KB; use 20 MB to keep it fast.
  std::string bomb = Gzip(std::string(20 << 20, '\0'));
  ASSERT_LT(bomb.size(), 60000u);
  EXPECT_EQ(Why(Hep3({Ch(16, bomb)})), DecodeError::kInflateTooLarge);
  DecodeOptions small;
  small.max_inflated = 5;
  EXPECT_EQ(Why(Hep3({Ch(16, Gzip("123456"))}), small), DecodeError::kInflateTooLarge);
}

TEST(HepCorruption, A17TimestampsKeptAsSent) {
  auto r = Decode(Hep3({Ch(9, Be(0, 4)), Ch(10, Be(1500000, 4)), Ch(15, "p")}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ts_sec, 0u);
  EXPECT_EQ(r->ts_usec, 1500000u);
  EXPECT_EQ(r->TimestampUs(), 1500000);
  auto f = Decode(Hep3({Ch(9, Be(0xffffffff, 4)), Ch(15, "p")}));
  EXPECT_EQ(f->ts_sec, 0xffffffffu);
}

TEST(HepCorruption, A18AnyProtoType) {
  for (int t : {0x99, 100, 5, 34, 35, 0}) {
    auto r = Decode(Hep3({Ch(11, Be(t, 1)), Ch(15, "{not json")}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->proto_type, t);
  }
}

TEST(HepCorruption, A19SizeBoundaries) {
  for (size_t n : {8191u, 8192u, 8193u, 16000u, 16001u, 65535u - 12u}) {
    auto r = Decode(Hep3({Ch(15, std::string(n, 'a'))}));
    ASSERT_TRUE(r.ok()) << n;
    EXPECT_EQ(r->payload.size(), n);
  }
  // One byte more than fits cannot even be framed: the length wraps.
  std::string v = Hep3({Ch(15, std::string(65535 - 11, 'a'))});
  EXPECT_NE(Why(v), DecodeError::kNone);
}

TEST(HepCorruption, A20HepV1V2) {
  std::string v1 =
      "\x01\x10\x02\x11" + Be(1, 2) + Be(2, 2) + Ip4(1, 2, 3, 4) + Ip4(5, 6, 7, 8) + "SIP";
  ASSERT_EQ(Why(v1), DecodeError::kNone);
  EXPECT_EQ(Why(v1.substr(0, 7)), DecodeError::kTooShort);
  EXPECT_EQ(Why(v1.substr(0, 12)), DecodeError::kTruncated);
  std::string badl = v1;
  badl[1] = 0x18;
  EXPECT_EQ(Why(badl), DecodeError::kBadHeaderLength);
  std::string badf = v1;
  badf[2] = 7;
  EXPECT_EQ(Why(badf), DecodeError::kBadFamily);
  std::string v2 = v1;
  v2[0] = 2;
  v2.resize(16 + 11);  // time block one byte short, no payload
  EXPECT_EQ(Why(v2), DecodeError::kTruncated);
  std::string empty = v1.substr(0, 16);
  EXPECT_EQ(Why(empty), DecodeError::kMissingPayload);
  // v1/v2 bytes on a TCP stream cannot be framed.
  EXPECT_EQ(
      NextFrame(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v1.data()), v1.size()))
          .state,
      FrameState::kGarbage);
}

TEST(HepCorruption, A21CaptureIdExtremesAndNodeName) {
  EXPECT_EQ(Decode(Hep3({Ch(12, Be(0, 4)), Ch(15, "p")}))->capture_id, 0u);
  EXPECT_EQ(Decode(Hep3({Ch(12, Be(0xffffffff, 4)), Ch(15, "p")}))->capture_id, 0xffffffffu);
  std::string name("n\xc3\x28\xff", 4);
  EXPECT_EQ(Decode(Hep3({Ch(0x13, name), Ch(15, "p")}))->node_name, name);
}

TEST(HepCorruption, A22MalformedSipIsStillAValidHepPacket) {
  for (const char* sip : {"INVITE sip:a SIP/2.0\r\nRecord-Route: <>\r\n\r\n",
                          "INVITE sip:a SIP/2.0\r\nCSeq: 1 INVITE", "BYE sip:a SIP/2.0\r\n\r\n"}) {
    auto r = Decode(Hep3({Ch(15, sip)}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->payload, sip);
  }
}

TEST(HepCorruption, EveryTruncationOfAValidPacketFailsCleanly) {
  std::string v = Base();
  for (size_t n = 0; n < v.size(); ++n) {
    std::string cut = v.substr(0, n);
    // Keep the declared length consistent with the cut so the chunk walk is hit.
    if (n >= 6) {
      cut[4] = static_cast<char>(n >> 8);
      cut[5] = static_cast<char>(n & 0xff);
    }
    DecodeError why;
    auto r = Decode(cut, {}, &why);
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST(HepCorruption, EverySingleByteFlipIsSafe) {
  std::string v = Base();
  int failures = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string w = v;
      w[i] ^= static_cast<char>(1 << bit);
      DecodeError why = DecodeError::kCount;
      auto r = Decode(w, {}, &why);
      if (!r.ok()) ++failures;
      EXPECT_EQ(r.ok(), why == DecodeError::kNone);
    }
  }
  EXPECT_GT(failures, 0);
}

}  // namespace
}  // namespace sipcapd::hep
