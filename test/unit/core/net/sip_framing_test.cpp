// SIP stream framing by Content-Length.
#include "core/net/sip_framing.h"

#include <gtest/gtest.h>

#include <string>

namespace sipcapd::net {
namespace {

using K = SipFrame::Kind;
const std::string kMsg =
    "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello";

TEST(SipFraming, WholeMessageAndPipelining) {
  auto f = FrameSip(kMsg);
  EXPECT_EQ(f.kind, K::kMessage);
  EXPECT_EQ(f.size, kMsg.size());
  std::string two = kMsg + kMsg;
  f = FrameSip(two);
  EXPECT_EQ(f.kind, K::kMessage);
  EXPECT_EQ(f.size, kMsg.size());
}

TEST(SipFraming, NeedsMoreAtEveryCut) {
  for (size_t i = 0; i < kMsg.size(); ++i) {
    auto f = FrameSip(std::string_view(kMsg).substr(0, i));
    EXPECT_EQ(f.kind, K::kNeedMore) << "cut at " << i;
  }
}

TEST(SipFraming, KeepalivesAndNoContentLength) {
  auto f = FrameSip("\r\n\r\nSIP/2.0 200 OK\r\n");
  EXPECT_EQ(f.kind, K::kKeepalive);
  EXPECT_EQ(f.size, 4u);
  std::string nocl = "SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\nNEXT";
  f = FrameSip(nocl);
  EXPECT_EQ(f.kind, K::kMessage);
  EXPECT_EQ(f.size, nocl.size() - 4);
}

TEST(SipFraming, Errors) {
  EXPECT_EQ(FrameSip("GET / HTTP/1.1\r\n").kind, K::kError);
  EXPECT_EQ(FrameSip("SIP/2.0 200 OK\r\nContent-Length: x1\r\n\r\n").kind, K::kError);
  EXPECT_EQ(FrameSip("SIP/2.0 200 OK\r\nContent-Length: 1\r\nl: 2\r\n\r\nab").kind, K::kError);
  EXPECT_EQ(FrameSip("SIP/2.0 200 OK\r\nContent-Length: 999999\r\n\r\n", 16384, 1000).kind,
            K::kError);
  std::string longhdr = "SIP/2.0 200 OK\r\nX: " + std::string(20000, 'a');
  EXPECT_EQ(FrameSip(longhdr).kind, K::kError);
  EXPECT_EQ(FrameSip(std::string(2000, 'z')).kind, K::kError);  // no line end, no SIP
}

}  // namespace
}  // namespace sipcapd::net
