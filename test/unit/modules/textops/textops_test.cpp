// search / search_body / subst.
// link: textops_logic
#include <gtest/gtest.h>

#include "core/sip/msg_helpers.h"
#include "modules/textops/textops_funcs.h"

namespace sipcapd::textops {
namespace {

const char kMsg[] =
    "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "User-Agent: oldphone\r\nContent-Type: application/sdp\r\nContent-Length: 12\r\n\r\n"
    "c=IN IP4 1.1";

TEST(TextOps, Search) {
  MsgContext c;
  c.buf = kMsg;
  EXPECT_EQ(Search(c, std::regex("User-Agent: old", std::regex::extended)), 1);
  EXPECT_EQ(Search(c, std::regex("newphone", std::regex::extended)), -1);
  EXPECT_EQ(SearchBody(c, std::regex("IN IP4", std::regex::extended)), 1);
  EXPECT_EQ(SearchBody(c, std::regex("User-Agent", std::regex::extended)), -1);
}

TEST(TextOps, ParseSubst) {
  EXPECT_FALSE(ParseSubst("/a/b").ok());
  EXPECT_FALSE(ParseSubst("/a/b/x").ok());
  EXPECT_FALSE(ParseSubst("/(/b/").ok());
  auto s = ParseSubst("|a\\|b|c|gi");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->global);
}

TEST(TextOps, SubstRewritesAndFixesLength) {
  MsgContext c;
  c.buf = kMsg;
  auto s = ParseSubst("/IP4 ([0-9.]+)/IP4 \\1.1.1/");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ApplySubst(c, *s), 1);
  sip::Message* m = sip::Parsed(c);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->body(), "c=IN IP4 1.1.1.1");
  EXPECT_EQ(m->content_length().value_or(0), 16u);
  auto ua = ParseSubst("/oldphone/newphone/");
  EXPECT_EQ(ApplySubst(c, *ua), 1);
  EXPECT_EQ(sip::UserAgent(*sip::Parsed(c)), "newphone");
  EXPECT_EQ(ApplySubst(c, *ua), -1);
  auto g = ParseSubst("/e/E/g");
  MsgContext d;
  d.buf = "eee";
  EXPECT_EQ(ApplySubst(d, *g), 1);
  EXPECT_EQ(d.buf, "EEE");
}

}  // namespace
}  // namespace sipcapd::textops
