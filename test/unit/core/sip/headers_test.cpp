#include "core/sip/headers.h"

#include <gtest/gtest.h>

namespace sipcapd::sip {
namespace {

TEST(SipHeaders, LookupFullAndCompact) {
  EXPECT_EQ(LookupHeader("Via"), HeaderType::kVia);
  EXPECT_EQ(LookupHeader("vIA"), HeaderType::kVia);
  EXPECT_EQ(LookupHeader("v"), HeaderType::kVia);
  EXPECT_EQ(LookupHeader("I"), HeaderType::kCallId);
  EXPECT_EQ(LookupHeader("call-id"), HeaderType::kCallId);
  EXPECT_EQ(LookupHeader("m"), HeaderType::kContact);
  EXPECT_EQ(LookupHeader("f"), HeaderType::kFrom);
  EXPECT_EQ(LookupHeader("t"), HeaderType::kTo);
  EXPECT_EQ(LookupHeader("l"), HeaderType::kContentLength);
  EXPECT_EQ(LookupHeader("c"), HeaderType::kContentType);
  EXPECT_EQ(LookupHeader("k"), HeaderType::kSupported);
  EXPECT_EQ(LookupHeader("s"), HeaderType::kSubject);
  EXPECT_EQ(LookupHeader("e"), HeaderType::kContentEncoding);
  EXPECT_EQ(LookupHeader("o"), HeaderType::kEvent);
  EXPECT_EQ(LookupHeader("r"), HeaderType::kReferTo);
  EXPECT_EQ(LookupHeader("u"), HeaderType::kAllowEvents);
  EXPECT_EQ(LookupHeader("x"), HeaderType::kSessionExpires);
  EXPECT_EQ(LookupHeader("y"), HeaderType::kIdentity);
  EXPECT_EQ(LookupHeader("b"), HeaderType::kReferredBy);
  EXPECT_EQ(LookupHeader("a"), HeaderType::kAcceptContact);
  EXPECT_EQ(LookupHeader("P-Asserted-Identity"), HeaderType::kPAssertedIdentity);
  EXPECT_EQ(LookupHeader("X-Foo"), HeaderType::kOther);
  EXPECT_EQ(LookupHeader("z"), HeaderType::kOther);
  EXPECT_EQ(LookupHeader(""), HeaderType::kOther);
  EXPECT_EQ(HeaderName(HeaderType::kCallId), "Call-ID");
}

TEST(SipHeaders, ViaAllParams) {
  ViaBody v;
  ASSERT_EQ(ParseVia("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=1.2.3.4;rport=5062;"
                     "maddr=224.0.0.1;ttl=16;x-foo=bar",
                     &v),
            nullptr);
  EXPECT_EQ(v.protocol, "SIP");
  EXPECT_EQ(v.version, "2.0");
  EXPECT_EQ(v.transport, "UDP");
  EXPECT_EQ(v.host, "10.0.0.1");
  EXPECT_EQ(v.port, 5060);
  EXPECT_EQ(v.branch, "z9hG4bK1");
  EXPECT_EQ(v.received, "1.2.3.4");
  EXPECT_TRUE(v.has_rport);
  EXPECT_EQ(v.rport_value, "5062");
  EXPECT_EQ(v.maddr, "224.0.0.1");
  EXPECT_EQ(v.ttl, "16");
  EXPECT_EQ(*v.Param("x-foo"), "bar");
}

TEST(SipHeaders, ViaRportWithoutValueAndIpv6) {
  ViaBody v;
  ASSERT_EQ(ParseVia("SIP/2.0/TCP [2001:db8::1];rport;branch=z9hG4bKx", &v), nullptr);
  EXPECT_EQ(v.host, "[2001:db8::1]");
  EXPECT_EQ(v.port, 0);
  EXPECT_TRUE(v.has_rport);
  EXPECT_EQ(v.rport_value, "");
  EXPECT_EQ(v.branch, "z9hG4bKx");
}

TEST(SipHeaders, ViaWhitespaceAndComment) {
  ViaBody v;
  ASSERT_EQ(
      ParseVia("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2 : 5080 ;rport;branch=390skdjuw (a comment)",
               &v),
      nullptr);
  EXPECT_EQ(v.transport, "UDP");
  EXPECT_EQ(v.host, "192.0.2.2");
  EXPECT_EQ(v.port, 5080);
  EXPECT_EQ(v.branch, "390skdjuw");
  EXPECT_EQ(v.comment, "(a comment)");
}

TEST(SipHeaders, ViaErrors) {
  ViaBody v;
  EXPECT_STREQ(ParseVia("SIP/2.0 10.0.0.1", &v), "bad Via version");
  EXPECT_STREQ(ParseVia("SIP/2.0/;x 10.0.0.1", &v), "bad Via transport");
  EXPECT_STREQ(ParseVia("SIP/2.0/UDP", &v), "missing Via sent-by");
  EXPECT_STREQ(ParseVia("SIP/2.0/UDP 1.2.3.4:99999", &v), "bad Via port");
  EXPECT_STREQ(ParseVia("SIP/2.0/UDP 192.0.2.15;;", &v), "empty Via parameter");
  EXPECT_STREQ(ParseVia("SIP/2.0/UDP 1.2.3.4;rport=x", &v), "bad Via rport");
  EXPECT_STREQ(ParseVia("SIP/2.0/UDP 1.2.3.4;ttl=300", &v), "bad Via ttl");
  EXPECT_STREQ(ParseVia("SIP/2.0/UDP 1.2.3.4 junk", &v), "garbage after Via sent-by");
  EXPECT_STREQ(ParseVia("SIP/2.0/UDP 1.2.3.4;branch=", &v), "empty Via parameter value");
}

TEST(SipHeaders, NameAddrForms) {
  NameAddr a;
  ASSERT_EQ(
      ParseNameAddr(
          "\"Alice \\\"A\\\"\" <sip:alice@atlanta.example.com;transport=tcp>;tag=88sja8x;x", &a),
      nullptr);
  EXPECT_EQ(a.display, "Alice \\\"A\\\"");
  EXPECT_EQ(a.uri_text, "sip:alice@atlanta.example.com;transport=tcp");
  EXPECT_EQ(a.uri.user, "alice");
  EXPECT_EQ(a.uri.Transport(), "tcp");
  EXPECT_EQ(a.tag, "88sja8x");
  EXPECT_TRUE(a.Param("x").has_value());

  ASSERT_EQ(ParseNameAddr("sip:bob@biloxi.example.com;tag=1234", &a), nullptr);
  EXPECT_EQ(a.display, "");
  EXPECT_EQ(a.uri_text, "sip:bob@biloxi.example.com");
  EXPECT_EQ(a.uri.params, "");
  EXPECT_EQ(a.tag, "1234");

  ASSERT_EQ(ParseNameAddr("caller<sip:caller@example.com>;tag=323", &a), nullptr);
  EXPECT_EQ(a.display, "caller");
  EXPECT_EQ(a.tag, "323");

  ASSERT_EQ(ParseNameAddr("*", &a), nullptr);
  EXPECT_TRUE(a.star);

  ASSERT_EQ(ParseNameAddr("<tel:+15551234567>", &a), nullptr);
  EXPECT_EQ(a.uri.scheme, UriScheme::kTel);
  EXPECT_EQ(a.uri.user, "+15551234567");
}

TEST(SipHeaders, NameAddrErrors) {
  NameAddr a;
  EXPECT_STREQ(ParseNameAddr("\"Mr. J. User <sip:j.user@example.com>", &a),
               "unterminated quoted display name");
  EXPECT_STREQ(ParseNameAddr("Bell, Alexander <sip:a.g.bell@example.com>", &a),
               "invalid character in display name");
  EXPECT_STREQ(ParseNameAddr("sip:user@example.com?Route=%3Csip:x%3E", &a),
               "addr-spec with reserved characters needs <>");
  EXPECT_STREQ(ParseNameAddr("<sip:a@b", &a), "unterminated <URI>");
  EXPECT_STREQ(ParseNameAddr("<sip:a@b> junk", &a), "garbage after <URI>");
  EXPECT_STREQ(ParseNameAddr("\"Joe\" <sip:joe@example.org>;;;;", &a), "bad header parameter");
  EXPECT_STREQ(ParseNameAddr("", &a), "empty address");
}

TEST(SipHeaders, CSeq) {
  CSeqBody c;
  ASSERT_EQ(ParseCSeq(" 0009\r\n  INVITE", &c), nullptr);
  EXPECT_EQ(c.number, 9u);
  EXPECT_EQ(c.method, "INVITE");
  EXPECT_STREQ(ParseCSeq("36893488147419103232 REGISTER", &c), "bad CSeq number");
  EXPECT_STREQ(ParseCSeq("2147483648 INVITE", &c), "bad CSeq number");
  EXPECT_STREQ(ParseCSeq("12", &c), "missing CSeq method");
  EXPECT_STREQ(ParseCSeq("12 INVITE x", &c), "bad CSeq method");
}

TEST(SipHeaders, Auth) {
  AuthBody a;
  ASSERT_EQ(ParseAuth("Digest username=\"alice@example.com\", realm=\"example.com\", "
                      "nonce=\"abc\", uri=\"sip:example.com\", response=\"0123\", algorithm=MD5, "
                      "qop=auth, nc=00000001, cnonce=\"x,y\", opaque=\"op\"",
                      &a),
            nullptr);
  EXPECT_EQ(a.scheme, "Digest");
  EXPECT_EQ(a.username, "alice@example.com");
  EXPECT_EQ(a.UsernameUser(), "alice");
  EXPECT_EQ(a.realm, "example.com");
  EXPECT_EQ(a.nonce, "abc");
  EXPECT_EQ(a.uri, "sip:example.com");
  EXPECT_EQ(a.response, "0123");
  EXPECT_EQ(a.algorithm, "MD5");
  EXPECT_EQ(a.qop, "auth");
  EXPECT_EQ(a.nc, "00000001");
  EXPECT_EQ(a.cnonce, "x,y");
  EXPECT_EQ(a.opaque, "op");
  EXPECT_EQ(*a.Param("NONCE"), "abc");
  EXPECT_STREQ(ParseAuth("", &a), "missing auth scheme");
  EXPECT_STREQ(ParseAuth("Digest username", &a), "auth param without value");
  EXPECT_STREQ(ParseAuth("Digest username=\"abc", &a), "unterminated quoted auth param");
}

TEST(SipHeaders, ContentTypeReasonEvent) {
  ContentTypeBody ct;
  ASSERT_EQ(ParseContentType("multipart/mixed;boundary=boundary1", &ct), nullptr);
  EXPECT_EQ(ct.type, "multipart");
  EXPECT_EQ(ct.subtype, "mixed");
  EXPECT_EQ(ct.params, ";boundary=boundary1");
  EXPECT_STREQ(ParseContentType("application", &ct), "bad media type");

  ReasonBody r;
  ASSERT_EQ(ParseReason("Q.850;cause=16;text=\"Normal call clearing\"", &r), nullptr);
  EXPECT_EQ(r.protocol, "Q.850");
  EXPECT_EQ(r.cause, 16);
  EXPECT_EQ(r.text, "Normal call clearing");
  EXPECT_STREQ(ParseReason("SIP;cause=abc", &r), "bad Reason cause");

  EventBody e;
  ASSERT_EQ(ParseEvent("presence;id=77", &e), nullptr);
  EXPECT_EQ(e.package, "presence");
  EXPECT_EQ(e.id, "77");
  EXPECT_STREQ(ParseEvent(";id=1", &e), "missing Event package");
}

}  // namespace
}  // namespace sipcapd::sip
