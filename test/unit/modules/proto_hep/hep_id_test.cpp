// link: proto_hep_logic
// hep_id parsing: both syntaxes, defaults, fallbacks and errors.
#include "modules/proto_hep/hep_id.h"

#include <gtest/gtest.h>

namespace sipcapd::hep {
namespace {

TEST(HepId, ModernFormWithDefaults) {
  auto d = ParseHepId("[hep_dst] 1.2.3.4:5000");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->name, "hep_dst");
  EXPECT_EQ(d->host, "1.2.3.4");
  EXPECT_EQ(d->port, 5000);
  EXPECT_EQ(d->transport, Transport::kTcp);
  EXPECT_EQ(d->version, 3);
  EXPECT_TRUE(d->warning.empty());
  auto p = ParseHepId("  [x]host.example  ");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->port, kDefaultHepPort);
}

TEST(HepId, DocExamples) {
  auto a = ParseHepId("[hep_dst] 127.0.0.1:8001; transport=tcp; version=3");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->transport, Transport::kTcp);
  EXPECT_EQ(a->port, 8001);
  auto b = ParseHepId("[hep_dst] 1.2.3.4:5000; version=2");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->version, 2);
  EXPECT_EQ(b->transport, Transport::kUdp);  // v2 cannot go over TCP
  EXPECT_FALSE(b->warning.empty());
  auto c = ParseHepId("[hid]10.0.0.1:9061;version=3;transport=UDP;");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->transport, Transport::kUdp);
}

TEST(HepId, UriForm) {
  auto d = ParseHepId("[tid] uri=hep:10.1.1.1:6060;version=2;transport=udp");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->host, "10.1.1.1");
  EXPECT_EQ(d->port, 6060);
  EXPECT_EQ(d->version, 2);
  auto e = ParseHepId("[tid]uri=10.1.1.1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 9060);
}

TEST(HepId, Ipv6AndKey) {
  auto d = ParseHepId("[v6] [::1]:9999; transport=udp");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->port, 9999);
  EXPECT_EQ(d->Key(), "[::1]:9999;transport=udp;version=3");
  auto adhoc = ParseHepId("127.0.0.1:9060;transport=udp", false);
  ASSERT_TRUE(adhoc.ok());
  EXPECT_TRUE(adhoc->name.empty());
}

TEST(HepId, Errors) {
  for (const char* bad :
       {"1.2.3.4", "[name 1.2.3.4", "[] 1.2.3.4", "[n]", "[n] 1.2.3.4:0", "[n] 1.2.3.4:70000",
        "[n] 1.2.3.4:x", "[n] 1.2.3.4; version=4", "[n] 1.2.3.4; transport=sctp",
        "[n] 1.2.3.4; foo=bar", "[n] ::1:5060", "[n] a; b", "[n] 1.2.3.4; version=3; version=2",
        "[n] 1.2.3.4;;version=3"}) {
    EXPECT_FALSE(ParseHepId(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sipcapd::hep
