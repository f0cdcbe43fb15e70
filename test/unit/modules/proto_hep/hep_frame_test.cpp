// link: proto_hep_logic
// HEPv3 stream framing (TCP/TLS): split anywhere, several frames per
// read, garbage detection.
#include <gtest/gtest.h>

#include "modules/proto_hep/hep_codec.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace sipcapd::hep::testing;

FrameCheck Check(const std::string& s) {
  return NextFrame(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

TEST(HepFrame, EveryPrefixNeedsMoreThenFrame) {
  std::string v = SpecVector();
  for (size_t n = 0; n < v.size(); ++n) {
    FrameCheck c = Check(v.substr(0, n));
    EXPECT_EQ(c.state, FrameState::kNeedMore) << n;
    if (n >= 6) {
      EXPECT_EQ(c.length, v.size());
    }
  }
  FrameCheck c = Check(v);
  EXPECT_EQ(c.state, FrameState::kFrame);
  EXPECT_EQ(c.length, 113u);
}

TEST(HepFrame, ManyFramesInOneBuffer) {
  std::string stream;
  for (int i = 0; i < 1000; ++i) stream += Hep3({Ch(15, std::to_string(i))});
  stream += SpecVector().substr(0, 50);
  size_t off = 0;
  int frames = 0;
  while (true) {
    FrameCheck c = Check(stream.substr(off));
    if (c.state != FrameState::kFrame) {
      EXPECT_EQ(c.state, FrameState::kNeedMore);
      break;
    }
    auto r = Decode(std::string_view(stream).substr(off, c.length));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->payload, std::to_string(frames));
    off += c.length;
    ++frames;
  }
  EXPECT_EQ(frames, 1000);
  EXPECT_EQ(stream.size() - off, 50u);
}

TEST(HepFrame, Garbage) {
  EXPECT_EQ(Check("G").state, FrameState::kGarbage);
  EXPECT_EQ(Check("HEX").state, FrameState::kGarbage);
  EXPECT_EQ(Check("\x16\x03\x01").state, FrameState::kGarbage);
  EXPECT_EQ(Check(std::string("HEP3\x00\x05", 6)).reason, DecodeError::kBadLength);
  EXPECT_EQ(Check("HE").state, FrameState::kNeedMore);
  EXPECT_EQ(Check("EEP").state, FrameState::kNeedMore);
  EXPECT_EQ(Check(std::string("HEP3\xff\xff", 6)).length, 65535u);
}

}  // namespace
}  // namespace sipcapd::hep
