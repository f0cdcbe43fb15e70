#include "core/app/globals.h"

#include <gtest/gtest.h>

namespace sipcapd {
namespace {

TEST(ListenTest, ParsesForms) {
  auto a = ParseListen("hep_udp:127.0.0.1:9060");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->proto, "hep_udp");
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9060);
  auto b = ParseListen("udp:[::1]:5060 use_children 4");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->children, 4);
  auto c = ParseListen("10.0.0.1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->proto, "udp");
  EXPECT_EQ(c->port, 0);
  auto d = ParseListen("tcp:10.0.0.1:5060 as 1.2.3.4:5060");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->proto, "tcp");
}

TEST(ListenTest, RejectsBadValues) {
  EXPECT_FALSE(ParseListen("udp:127.0.0.1:99999").ok());
  EXPECT_FALSE(ParseListen("udp:[::1").ok());
  EXPECT_FALSE(ParseListen("udp:::1:5060").ok());
  EXPECT_FALSE(ParseListen("udp:1.2.3.4:5060 bogus").ok());
  EXPECT_FALSE(ParseListen("").ok());
}

TEST(GlobalsTest, KnownIgnoredUnknown) {
  GlobalSettings g;
  bool ignored = false;
  EXPECT_TRUE(ApplyGlobal(&g, "children", Value::Int(4), "4", &ignored).ok());
  EXPECT_EQ(g.core.children, 4);
  EXPECT_TRUE(ApplyGlobal(&g, "log_level", Value::Int(3), "3", &ignored).ok());
  EXPECT_EQ(g.log_level, 3);
  EXPECT_TRUE(ApplyGlobal(&g, "log_stderror", Value::Str("yes"), "yes", &ignored).ok());
  EXPECT_TRUE(g.log_stderror);
  EXPECT_TRUE(ApplyGlobal(&g, "listen", Value::Str("x"), "hep_tcp:127.0.0.1:9061", &ignored).ok());
  ASSERT_EQ(g.core.listens.size(), 1u);
  EXPECT_EQ(g.core.listens[0].proto, "hep_tcp");
  EXPECT_TRUE(ApplyGlobal(&g, "fork", Value::Int(1), "1", &ignored).ok());
  EXPECT_TRUE(ignored);
  Status st = ApplyGlobal(&g, "no_such_param", Value::Int(1), "1", &ignored);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("unknown global parameter"), std::string::npos);
  EXPECT_FALSE(ApplyGlobal(&g, "children", Value::Str("many"), "many", &ignored).ok());
}

}  // namespace
}  // namespace sipcapd
