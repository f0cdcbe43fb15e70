#include "core/sip/uri.h"

#include <gtest/gtest.h>

namespace sipcapd::sip {
namespace {

TEST(SipUri, FullSipUri) {
  auto r = ParseUri("sip:alice:secret@atlanta.example.com:5070;transport=tcp;lr?subject=hi&x=y");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->scheme, UriScheme::kSip);
  EXPECT_EQ(r->user, "alice");
  EXPECT_EQ(r->password, "secret");
  EXPECT_TRUE(r->has_password);
  EXPECT_EQ(r->host, "atlanta.example.com");
  EXPECT_EQ(r->port, 5070);
  EXPECT_EQ(r->port_text, "5070");
  EXPECT_EQ(r->params, ";transport=tcp;lr");
  EXPECT_EQ(r->Transport(), "tcp");
  ASSERT_TRUE(r->Param("lr").has_value());
  EXPECT_EQ(*r->Param("LR"), "");
  EXPECT_FALSE(r->Param("maddr").has_value());
  EXPECT_EQ(r->headers, "subject=hi&x=y");
}

TEST(SipUri, HostOnlyAndSips) {
  auto r = ParseUri("SIPS:registrar.example.com");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scheme, UriScheme::kSips);
  EXPECT_FALSE(r->has_user);
  EXPECT_EQ(r->user, "");
  EXPECT_EQ(r->host, "registrar.example.com");
  EXPECT_EQ(r->port, 0);
}

TEST(SipUri, Ipv6Host) {
  auto r = ParseUri("sip:bob@[2001:db8::9:1]:5061;maddr=[2001:db8::1]");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->host, "[2001:db8::9:1]");
  EXPECT_TRUE(r->ipv6());
  EXPECT_EQ(r->port, 5061);
  EXPECT_EQ(*r->Param("maddr"), "[2001:db8::1]");
}

TEST(SipUri, Ipv4HostNoUser) {
  auto r = ParseUri("sip:192.0.2.4");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "192.0.2.4");
  EXPECT_FALSE(r->ipv6());
}

TEST(SipUri, TelUri) {
  auto r = ParseUri("tel:+1-201-555-0123;phone-context=example.com");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scheme, UriScheme::kTel);
  EXPECT_EQ(r->user, "+1-201-555-0123");
  EXPECT_EQ(r->host, "");
  EXPECT_EQ(*r->Param("phone-context"), "example.com");
}

TEST(SipUri, UserWithSemicolonAndEscapes) {
  auto r = ParseUri("sip:user;par=u%40example.net@example.com");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->user, "user;par=u%40example.net");
  EXPECT_EQ(r->host, "example.com");
  EXPECT_EQ(r->params, "");
}

TEST(SipUri, OtherScheme) {
  auto r = ParseUri("isbn:2983792873");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scheme, UriScheme::kOther);
  EXPECT_EQ(r->scheme_text, "isbn");
  EXPECT_EQ(r->opaque, "2983792873");
}

TEST(SipUri, Errors) {
  EXPECT_EQ(ParseUri("").status().message(), "empty URI");
  EXPECT_EQ(ParseUri("alice").status().message(), "no scheme");
  EXPECT_EQ(ParseUri("<sip:a@b>").status().message(), "bad scheme");
  EXPECT_EQ(ParseUri("sip:a@b:99999").status().message(), "bad port");
  EXPECT_EQ(ParseUri("sip:a@b:").status().message(), "bad port");
  EXPECT_EQ(ParseUri("sip:a@[2001:db8::1").status().message(), "unterminated IPv6 reference");
  EXPECT_EQ(ParseUri("sip:a@[zz]").status().message(), "bad IPv6 reference");
  EXPECT_EQ(ParseUri("sip:a@ex ample.com").status().message(), "invalid character in URI");
  EXPECT_EQ(ParseUri("sip:a@example.com; lr").status().message(), "invalid character in URI");
  EXPECT_EQ(ParseUri("sip:a%4@example.com").status().message(), "invalid character in URI");
  EXPECT_EQ(ParseUri("sip:@example.com").status().message(), "empty user");
  EXPECT_EQ(ParseUri("sip:a@").status().message(), "bad host");
  EXPECT_EQ(ParseUri("sip:a@host;;lr").status().message(), "empty URI parameter");
  EXPECT_EQ(ParseUri("sip:a@host]x").status().message(), "bad host");
  EXPECT_EQ(ParseUri("tel:").status().message(), "empty tel number");
}

// Every prefix of a valid URI must parse or fail cleanly (no read past end).
TEST(SipUri, PrefixesNeverCrash) {
  std::string u = "sips:u:p@[2001:db8::1]:5061;transport=tls;lr?h=v";
  int ok = 0;
  for (size_t i = 0; i <= u.size(); ++i) {
    std::string p = u.substr(0, i);
    ok += ParseUri(p).ok();
  }
  EXPECT_GT(ok, 0);
  EXPECT_TRUE(ParseUri(u).ok());
}

}  // namespace
}  // namespace sipcapd::sip
