// RFC 4475 torture messages (test/data/sip/, written from the RFC's
// descriptions): valid ones must parse with the fields the RFC points at,
// invalid ones must give the specific error while keeping what parsed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/sip/message.h"
#include "core/sip/msg_helpers.h"

namespace sipcapd::sip {
namespace {

std::shared_ptr<Message> Load(const std::string& name) {
  const char* src = std::getenv("SIPCAPD_SOURCE_DIR");
  std::string dir = src ? std::string(src) + "/test/data/sip/"
                        : std::string(__FILE__).substr(0, std::string(__FILE__).find("test/unit")) +
                              "test/data/sip/";
  std::ifstream f(dir + name + ".sip", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << name;
  return Message::Parse(ss.str());
}

ParseError Check(const std::shared_ptr<Message>& m, std::string* why = nullptr) {
  return m->Validate(why);
}

// ---- valid messages
TEST(SipTorture, Wsinv) {
  auto m = Load("wsinv");
  std::string why;
  ASSERT_EQ(Check(m, &why), ParseError::kNone) << why;
  EXPECT_EQ(m->RequestUri()->user, "vivekg");
  EXPECT_TRUE(m->RequestUri()->Param("unknownparam").has_value());
  EXPECT_EQ(ToTag(*m), "1918181833n");
  EXPECT_EQ(FromTag(*m), "98asjd8");
  EXPECT_EQ(m->From()->display, "J Rosenberg \\\\\\\"");
  EXPECT_EQ(m->MaxForwards().value_or(0), 68u);
  EXPECT_EQ(m->CSeq()->number, 9u);
  EXPECT_EQ(m->CSeq()->method, "INVITE");
  ASSERT_EQ(m->Vias()->size(), 3u);
  EXPECT_EQ((*m->Vias())[0].host, "192.0.2.2");
  EXPECT_TRUE((*m->Vias())[0].has_rport);
  EXPECT_EQ((*m->Vias())[0].branch, "390skdjuw");
  EXPECT_EQ((*m->Vias())[1].transport, "TCP");
  EXPECT_EQ((*m->Vias())[1].branch, "z9hG4bK9ikj8");
  EXPECT_EQ((*m->Vias())[2].host, "192.168.255.111");
  EXPECT_EQ((*m->Vias())[2].branch, "z9hG4bK30239");
  ASSERT_NE(m->Contacts(), nullptr);
  EXPECT_EQ(*(*m->Contacts())[0].Param("q"), "0.33");
  EXPECT_EQ(*(*m->Contacts())[0].Param("newparam"), "newvalue");
  EXPECT_EQ(m->body().size(), m->content_length().value_or(0));
  EXPECT_EQ(m->FindByName("UnknownHeaderWithUnusualValue")->value, ";;,,;;,;");
  EXPECT_EQ(m->FindByName("s")->value, "");
}

TEST(SipTorture, Intmeth) {
  auto m = Load("intmeth");
  std::string why;
  ASSERT_EQ(Check(m, &why), ParseError::kNone) << why;
  EXPECT_EQ(m->method(), "!interesting-Method0123456789_*+`.%indeed'~");
  EXPECT_EQ(m->RequestUri()->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(m->RequestUri()->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(m->RequestUri()->host, "example.com");
  EXPECT_EQ(m->FirstVia()->branch, "z9hG4bK-.!%66*_+`'~");
  EXPECT_EQ(m->CSeq()->method, m->method());
  EXPECT_EQ(FromTag(*m), "_token~1'+`*%!-.");
  EXPECT_EQ(m->From()->display, "token1~` token2'+_ token3*%!.-");
  EXPECT_EQ(m->CallId(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
}

TEST(SipTorture, Esc01AndEscnull) {
  auto m = Load("esc01");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->RequestUri()->user, "sips%3Auser%40example.com");
  EXPECT_EQ(m->RequestUri()->host, "example.net");
  EXPECT_EQ(ToUser(*m), "%75se%72");
  EXPECT_EQ(FromUser(*m), "I%20have%20spaces");
  EXPECT_EQ(ContactUser(*m), "cal%6Cer");
  EXPECT_EQ(m->ContentType()->subtype, "sdp");  // "C:" compact, upper case

  m = Load("escnull");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(ToUser(*m), "null-%00-null");
  ASSERT_EQ(m->Contacts()->size(), 2u);
  EXPECT_EQ((*m->Contacts())[1].uri.user, "%00%00");
  EXPECT_EQ(m->content_length().value_or(99), 0u);
}

TEST(SipTorture, Esc02UnknownMethodAndEscapedHeaderName) {
  auto m = Load("esc02");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->method(), "RE%47IST%45R");
  ASSERT_EQ(m->Contacts()->size(), 2u);  // "C%6Fntact" is not Contact
  EXPECT_EQ(m->FindByName("C%6Fntact")->value, "<sip:alias2@host2.example.com>");
  EXPECT_EQ(m->From()->display, "%Z%45");
}

TEST(SipTorture, LwsdispSemiuriTransports) {
  auto m = Load("lwsdisp");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->From()->display, "caller");
  EXPECT_EQ(FromTag(*m), "323");

  m = Load("semiuri");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->RequestUri()->user, "user;par=u%40example.net");
  EXPECT_EQ(m->RequestUri()->params, "");

  m = Load("transports");
  ASSERT_EQ(Check(m), ParseError::kNone);
  ASSERT_EQ(m->Vias()->size(), 5u);
  const char* want[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*m->Vias())[i].transport, want[i]);
  EXPECT_EQ(m->CallId(), "transports.kijh4akdnaqjkwendsasfdj");
}

TEST(SipTorture, Longreq) {
  auto m = Load("longreq");
  std::string why;
  ASSERT_EQ(Check(m, &why), ParseError::kNone) << why;
  ASSERT_EQ(m->Vias()->size(), 34u);
  EXPECT_EQ(m->FirstVia()->host, "sip33.example.com");
  EXPECT_EQ(m->Vias()->back().received, "192.0.2.5");
  EXPECT_EQ(m->To()->uri.port, 6000);
  EXPECT_EQ(FromTag(*m).size(), 275u);  // counted in the data file
  EXPECT_EQ(m->Count(HeaderType::kVia), 34u);
}

TEST(SipTorture, RepliesUnreasonNoreasonBcast) {
  auto m = Load("unreason");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->status_code(), 200);
  EXPECT_EQ(m->reason().substr(0, 13), "= 2**3 * 5**2");
  EXPECT_GT(m->reason().size(), 40u);  // UTF-8 kept as bytes
  m = Load("noreason");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->status_code(), 100);
  EXPECT_EQ(m->reason(), "");
  m = Load("bcast");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ((*m->Vias())[1].host, "255.255.255.255");
}

TEST(SipTorture, Unksm2AndMpart01) {
  auto m = Load("unksm2");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->To()->uri.scheme, UriScheme::kOther);
  EXPECT_EQ(m->To()->uri.scheme_text, "isbn");
  EXPECT_EQ(m->From()->uri.scheme_text, "http");
  EXPECT_EQ(ToUser(*m), "");

  m = Load("mpart01");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->ContentType()->type, "multipart");
  EXPECT_EQ(m->ContentType()->params, ";boundary=boundary1");
  EXPECT_EQ(m->body().substr(0, 13), "--boundary1\r\n");
}

TEST(SipTorture, DblreqKeepsOnlyTheFirst) {
  auto m = Load("dblreq");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->method(), "REGISTER");
  EXPECT_EQ(m->body(), "");
  EXPECT_EQ(m->trailing().substr(0, 7), "INVITE ");
  EXPECT_EQ(m->CallId(), "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
}

TEST(SipTorture, ZeroMaxForwardsIsValidSyntax) {
  auto m = Load("zeromf");
  ASSERT_EQ(Check(m), ParseError::kNone);
  EXPECT_EQ(m->MaxForwards().value_or(99), 0u);
}

// ---- invalid messages
TEST(SipTorture, Badinv01) {
  auto m = Load("badinv01");
  std::string why;
  EXPECT_EQ(Check(m, &why), ParseError::kBadHeaderValue);
  EXPECT_EQ(why, "Via: empty Via parameter");
  EXPECT_EQ(m->Contacts(), nullptr);
  EXPECT_STREQ(m->HeaderError(HeaderType::kContact), "bad header parameter");
  EXPECT_EQ(m->CallId(), "badinv01.0ha0isndaksdjasdf3234nas");  // still storable
}

TEST(SipTorture, ClerrAndNcl) {
  auto m = Load("clerr");
  EXPECT_EQ(m->error(), ParseError::kBodyTruncated);
  EXPECT_TRUE(m->body_truncated());
  EXPECT_EQ(m->content_length().value_or(0), 9999u);
  EXPECT_EQ(m->body().substr(0, 3), "v=0");
  EXPECT_EQ(m->CallId(), "clerr.0ha0isndaksdjweiafasdk3");
  m = Load("ncl");
  EXPECT_EQ(m->error(), ParseError::kBadContentLength);
  EXPECT_EQ(Check(m), ParseError::kBadContentLength);
  EXPECT_EQ(m->body().substr(0, 3), "v=0");
}

TEST(SipTorture, Scalar02) {
  auto m = Load("scalar02");
  std::string why;
  EXPECT_EQ(Check(m, &why), ParseError::kBadHeaderValue);
  EXPECT_EQ(why, "CSeq: bad CSeq number");
  EXPECT_FALSE(m->MaxForwards().has_value());
  EXPECT_FALSE(m->Expires().has_value());
  EXPECT_EQ(FromTag(*m), "239232jh3");
}

TEST(SipTorture, QuotbalAndBaddn) {
  auto m = Load("quotbal");
  std::string why;
  EXPECT_EQ(Check(m, &why), ParseError::kBadHeaderValue);
  EXPECT_EQ(why, "To: unterminated quoted display name");
  EXPECT_EQ(FromTag(*m), "93334");
  m = Load("baddn");
  EXPECT_EQ(Check(m, &why), ParseError::kBadHeaderValue);
  EXPECT_EQ(why, "From: invalid character in display name");
}

TEST(SipTorture, RequestLineErrors) {
  auto m = Load("ltgtruri");
  EXPECT_EQ(m->error(), ParseError::kBadRequestUri);
  EXPECT_EQ(m->method(), "INVITE");
  EXPECT_EQ(m->RequestUri(), nullptr);
  m = Load("lwsruri");
  EXPECT_EQ(m->error(), ParseError::kBadRequestUri);
  EXPECT_EQ(m->error_text(), "invalid character in URI");
  m = Load("lwsstart");
  EXPECT_EQ(m->error(), ParseError::kBadFirstLine);
  EXPECT_EQ(m->method(), "INVITE");
  m = Load("trws");
  EXPECT_EQ(m->error(), ParseError::kBadFirstLine);
  m = Load("escruri");
  EXPECT_EQ(m->error(), ParseError::kBadRequestUri);
  EXPECT_EQ(m->error_text(), "headers in the Request-URI");
  m = Load("badvers");
  EXPECT_EQ(m->error(), ParseError::kBadVersion);
  EXPECT_EQ(m->method(), "OPTIONS");
  EXPECT_EQ(m->CallId(), "badvers.31417@c.example.com");
}

TEST(SipTorture, RegbadctMismatchBigcodeInsuf) {
  std::string why;
  auto m = Load("regbadct");
  EXPECT_EQ(Check(m, &why), ParseError::kBadHeaderValue);
  EXPECT_EQ(why, "Contact: addr-spec with reserved characters needs <>");
  m = Load("mismatch01");
  EXPECT_EQ(Check(m, &why), ParseError::kCSeqMismatch);
  m = Load("bigcode");
  EXPECT_EQ(m->error(), ParseError::kBadStatusCode);
  EXPECT_FALSE(m->first_line_ok());
  m = Load("insuf");
  EXPECT_EQ(Check(m, &why), ParseError::kMissingHeader);
  EXPECT_EQ(why, "missing To");
  EXPECT_EQ(m->CSeq()->number, 193942u);
}

}  // namespace
}  // namespace sipcapd::sip
