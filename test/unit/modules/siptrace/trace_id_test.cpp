// link: siptrace_logic
// trace_id parsing: the 2.2 and 2.3+ forms, keys, and the errors.
#include "modules/siptrace/trace_id.h"

#include <gtest/gtest.h>

namespace sipcapd::siptrace {
namespace {

TEST(TraceIdTest, InlineHep22Form) {
  auto d = ParseTraceId("[tid]uri=hep:10.0.0.1:9061;version=2;transport=udp");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->id, "tid");
  EXPECT_EQ(d->type, DestType::kHep);
  EXPECT_TRUE(d->hep_id.empty());
  EXPECT_EQ(d->host, "10.0.0.1");
  EXPECT_EQ(d->port, 9061);
  EXPECT_EQ(d->hep_version, 2);
  EXPECT_EQ(d->MiUri(), "10.0.0.1:9061");
}

TEST(TraceIdTest, InlineHepTcpV2FallsBackToUdp) {
  auto d = ParseTraceId("[t] uri=hep:1.2.3.4:6053; version=2; transport=tcp ;");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->transport, "udp");
  auto d3 = ParseTraceId("[t]uri=hep:1.2.3.4:6053;version=3;transport=TCP");
  ASSERT_TRUE(d3.ok());
  EXPECT_EQ(d3->transport, "tcp");
}

TEST(TraceIdTest, InlineHepTls) {
  auto d = ParseTraceId("[t]uri=hep:collector.example:9061;version=3;transport=TLS");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->transport, "tls");
  EXPECT_EQ(d->port, 9061);
  auto d2 = ParseTraceId("[t]uri=hep:1.2.3.4:9061;version=2;transport=tls");
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->transport, "udp");  // TLS needs HEPv3, as proto_hep
}

TEST(TraceIdTest, HepIdName23Form) {
  for (const char* s :
       {"[hep_tid]hep:hep_dst", "[hep_tid]uri=hep:hep_dst", "[ hep_tid ] hep:hep_dst ;"}) {
    auto d = ParseTraceId(s);
    ASSERT_TRUE(d.ok()) << s << ": " << d.status().message();
    EXPECT_EQ(d->id, "hep_tid");
    EXPECT_EQ(d->hep_id, "hep_dst") << s;
  }
}

TEST(TraceIdTest, InlineHepIpv6AndDefaultPort) {
  auto d = ParseTraceId("[t]hep:[::1]:7000");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->port, 7000);
  auto d2 = ParseTraceId("[t]hep:127.0.0.1");
  ASSERT_TRUE(d2.ok());
  EXPECT_TRUE(d2->hep_id.empty());
  EXPECT_EQ(d2->port, 9060);
}

TEST(TraceIdTest, SipDestination) {
  auto d = ParseTraceId("[tid]uri=sip:10.10.10.11:5070");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->type, DestType::kSip);
  EXPECT_EQ(d->host, "10.10.10.11");
  EXPECT_EQ(d->port, 5070);
  auto d2 = ParseTraceId("[tid]sip:cap.example.com");
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->port, 5060);
  EXPECT_EQ(d2->MiUri(), "cap.example.com:5060");
}

TEST(TraceIdTest, DbDestinations) {
  auto d = ParseTraceId("[tid]uri=mysql://u:p@h/opensips;table=new_sip_trace;");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->type, DestType::kDb);
  EXPECT_EQ(d->db_url, "mysql://u:p@h/opensips");
  EXPECT_EQ(d->table, "new_sip_trace");
  auto d2 = ParseTraceId("[db]sqlite:///tmp/x.db");
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->table, "sip_trace");
  EXPECT_EQ(d2->db_url, "sqlite:///tmp/x.db");
}

TEST(TraceIdTest, Errors) {
  struct Case {
    const char* in;
    const char* why;
  };
  for (auto c :
       {Case{"tid]hep:x", "must start"}, Case{"[tid hep:x", "missing ']'"},
        Case{"[]hep:x", "bad trace id name"}, Case{"[t]", "no uri"},
        Case{"[t]ftp:x", "unknown trace destination"}, Case{"[t]hep:1.2.3.4:99999", "out of range"},
        Case{"[t]hep:x;version=4", "bad HEP version"},
        Case{"[t]hep:1.2.3.4:1;transport=sctp", "bad transport"},
        Case{"[t]sip:1.2.3.4;table=x", "only valid for database"},
        Case{"[t]hep:name;version=3", "belong to the hep_id"},
        Case{"[t]hep:1.2.3.4;foo=1", "unknown trace_id key"}}) {
    auto d = ParseTraceId(c.in);
    ASSERT_FALSE(d.ok()) << c.in;
    EXPECT_NE(d.status().message().find(c.why), std::string::npos)
        << c.in << " -> " << d.status().message();
  }
}

}  // namespace
}  // namespace sipcapd::siptrace
