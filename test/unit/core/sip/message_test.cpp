#include "core/sip/message.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/sip/msg_helpers.h"

namespace sipcapd::sip {
namespace {

std::string DataFile(const std::string& name) {
  const char* src = std::getenv("SIPCAPD_SOURCE_DIR");
  std::string dir = src ? std::string(src) + "/test/data/sip/"
                        : std::string(__FILE__).substr(0, std::string(__FILE__).find("test/unit")) +
                              "test/data/sip/";
  std::ifstream f(dir + name + ".sip", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(SipMessage, SippInvite) {
  std::string raw = DataFile("sipp_invite");
  ASSERT_FALSE(raw.empty());
  auto m = Message::Parse(raw);
  ASSERT_TRUE(m->ok()) << m->error_text();
  EXPECT_EQ(m->Validate(), ParseError::kNone);
  EXPECT_TRUE(m->is_request());
  EXPECT_EQ(m->method(), "INVITE");
  EXPECT_EQ(m->ruri(), "sip:service@192.168.1.10:5060");
  ASSERT_NE(m->RequestUri(), nullptr);
  EXPECT_EQ(m->RequestUri()->user, "service");
  EXPECT_EQ(m->RequestUri()->port, 5060);
  EXPECT_EQ(m->version(), "SIP/2.0");
  EXPECT_EQ(m->CallId(), "1-12345@192.168.1.2");
  EXPECT_EQ(FromUser(*m), "sipp");
  EXPECT_EQ(FromDomain(*m), "192.168.1.2");
  EXPECT_EQ(FromTag(*m), "12345SIPpTag001");
  EXPECT_EQ(ToUser(*m), "service");
  EXPECT_EQ(ToTag(*m), "");
  EXPECT_EQ(CSeqText(*m), "1 INVITE");
  EXPECT_EQ(m->CSeq()->number, 1u);
  EXPECT_EQ(m->MaxForwards().value_or(0), 70u);
  EXPECT_EQ(UserAgent(*m), "SIPp/3.6.1");
  EXPECT_EQ(ContactUser(*m), "sipp");
  EXPECT_EQ(ContactPort(*m), 5061);
  EXPECT_EQ(ViaBranch(*m), "z9hG4bK-12345-1-0");
  EXPECT_EQ(Via1(*m), "SIP/2.0/UDP 192.168.1.2:5061;branch=z9hG4bK-12345-1-0");
  EXPECT_EQ(m->ContentType()->subtype, "sdp");
  EXPECT_EQ(m->content_length().value_or(0), m->body().size());
  EXPECT_EQ(m->body().substr(0, 5), "v=0\r\n");
  EXPECT_TRUE(m->trailing().empty());
  EXPECT_EQ(HeaderValue(*m, "subject"), "Performance Test");
  EXPECT_EQ(HeaderValue(*m, "s"), "Performance Test");
}

TEST(SipMessage, Reply200WithViaList) {
  auto m = Message::Parse(DataFile("sipp_200"));
  ASSERT_TRUE(m->ok()) << m->error_text();
  EXPECT_TRUE(m->is_reply());
  EXPECT_EQ(m->status_code(), 200);
  EXPECT_EQ(m->reason(), "OK");
  EXPECT_EQ(Method(*m), "INVITE");
  ASSERT_NE(m->Vias(), nullptr);
  ASSERT_EQ(m->Vias()->size(), 2u);
  EXPECT_EQ((*m->Vias())[0].received, "10.0.0.99");
  EXPECT_EQ((*m->Vias())[0].rport_value, "5060");
  EXPECT_EQ((*m->Vias())[1].host, "192.168.1.2");
  EXPECT_EQ((*m->Vias())[1].port, 5061);
  EXPECT_EQ(m->Count(HeaderType::kVia), 1u);
  EXPECT_EQ(ToTag(*m), "98765SIPpTag011");
  ASSERT_NE(m->RecordRoutes(), nullptr);
  EXPECT_EQ(*(*m->RecordRoutes())[0].uri.Param("ftag"), "12345SIPpTag001");
  EXPECT_EQ(m->Server(), "Kamailio (5.6.2 (x86_64/linux))");
  EXPECT_TRUE(m->Allows("bye"));
  EXPECT_FALSE(m->Allows("REFER"));
  EXPECT_EQ(ContactHost(*m), "192.168.1.10");
  EXPECT_EQ(RuriUser(*m), "");
}

TEST(SipMessage, AckAndByeWithReason) {
  auto ack = Message::Parse(DataFile("sipp_ack"));
  ASSERT_TRUE(ack->ok());
  EXPECT_EQ(ack->Validate(), ParseError::kNone);
  ASSERT_NE(ack->Routes(), nullptr);
  EXPECT_EQ((*ack->Routes())[0].uri.host, "10.0.0.1");
  EXPECT_EQ(ack->body(), "");
  auto bye = Message::Parse(DataFile("sipp_bye"));
  ASSERT_TRUE(bye->ok());
  EXPECT_EQ(bye->CSeq()->number, 2u);
  EXPECT_EQ(bye->CSeq()->method, "BYE");
  ASSERT_NE(bye->Reason(), nullptr);
  EXPECT_EQ(bye->Reason()->protocol, "Q.850");
  EXPECT_EQ(bye->Reason()->cause, 16);
  EXPECT_EQ(ReasonText(*bye), "Q.850;cause=16;text=\"Normal call clearing\"");
}

TEST(SipMessage, RegisterIpv6ContactsAuth) {
  auto m = Message::Parse(DataFile("kam_register"));
  ASSERT_TRUE(m->ok()) << m->error_text();
  EXPECT_EQ(m->Validate(), ParseError::kNone);
  const ViaBody* v = m->FirstVia();
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->transport, "TCP");
  EXPECT_EQ(v->host, "[2001:db8::10]");
  EXPECT_EQ(v->port, 5060);
  EXPECT_TRUE(v->has_rport);
  EXPECT_EQ(v->branch, "z9hG4bKreg77abc");
  EXPECT_EQ(FromTag(*m), "a73kszlfl");
  EXPECT_EQ(m->From()->display, "Alice Liddell");
  ASSERT_NE(m->Contacts(), nullptr);
  ASSERT_EQ(m->Contacts()->size(), 2u);
  const NameAddr& c0 = (*m->Contacts())[0];
  EXPECT_EQ(c0.uri.host, "[2001:db8::10]");
  EXPECT_EQ(c0.uri.Transport(), "tcp");
  EXPECT_EQ(*c0.Param("expires"), "3600");
  EXPECT_EQ(*c0.Param("q"), "0.8");
  EXPECT_EQ((*m->Contacts())[1].uri.port, 5070);
  EXPECT_EQ(AuthUser(*m), "alice");
  EXPECT_EQ(m->Authorization()->realm, "example.com");
  EXPECT_EQ(m->Expires().value_or(0), 3600u);
  EXPECT_EQ(UserAgent(*m), "Linphone/5.0.0 (belle-sip/5.0.0)");
}

TEST(SipMessage, Reply401) {
  auto m = Message::Parse(DataFile("kam_401"));
  ASSERT_TRUE(m->ok());
  EXPECT_EQ(m->status_code(), 401);
  EXPECT_EQ(m->reason(), "Unauthorized");
  EXPECT_EQ(Method(*m), "REGISTER");
  EXPECT_EQ(m->FirstVia()->received, "2001:db8::10");
  EXPECT_EQ(ToTag(*m), "b27e1a1d33761e85846fc98f5f3a7e58.1f5e");
  EXPECT_EQ(AuthUser(*m), "");
}

TEST(SipMessage, CompactFormsAndIdentities) {
  auto m = Message::Parse(DataFile("compact_invite"));
  ASSERT_TRUE(m->ok()) << m->error_text();
  EXPECT_EQ(m->Validate(), ParseError::kNone);
  EXPECT_EQ(m->CallId(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(FromUser(*m), "alice");
  EXPECT_EQ(ToDomain(*m), "biloxi.example.com");
  ASSERT_EQ(m->Vias()->size(), 2u);
  EXPECT_EQ((*m->Vias())[1].port, 5070);
  EXPECT_EQ(PaiUser(*m), "+15551234567");
  EXPECT_EQ(m->PAssertedIdentity()->display, "Alice A");
  EXPECT_EQ(RpidUser(*m), "5551234567");
  EXPECT_EQ(*m->RemotePartyId()->Param("party"), "calling");
  EXPECT_EQ(DiversionUser(*m), "1000");
  EXPECT_EQ(*m->Diversion()->Param("reason"), "unconditional");
  EXPECT_EQ(AuthUser(*m), "alice");
  EXPECT_EQ(m->ProxyAuthorization()->realm, "atlanta.example.com");
  EXPECT_EQ(m->Event()->package, "presence");
  EXPECT_EQ(m->Event()->id, "77");
  EXPECT_EQ(m->content_length().value_or(0), m->body().size());
  EXPECT_EQ(m->FindByName("Content-Type")->value, "application/sdp");
  EXPECT_EQ(m->FindByName("supported")->value, "timer, 100rel");
}

TEST(SipMessage, FindByNameIndex) {
  auto m = Message::Parse(
      "OPTIONS sip:a@b SIP/2.0\r\nX-A: 1\r\nVia: SIP/2.0/UDP h1\r\nx-a: 2\r\nv: SIP/2.0/UDP h2\r\n"
      "X-A: 3\r\n\r\n");
  EXPECT_EQ(m->FindByName("X-A")->value, "1");
  EXPECT_EQ(m->FindByName("x-a", 1)->value, "2");
  EXPECT_EQ(m->FindByName("X-A", -1)->value, "3");
  EXPECT_EQ(m->FindByName("X-A", -3)->value, "1");
  EXPECT_EQ(m->FindByName("X-A", 3), nullptr);
  EXPECT_EQ(m->FindByName("X-A", -4), nullptr);
  EXPECT_EQ(m->FindByName("v", 1)->value, "SIP/2.0/UDP h2");
  EXPECT_EQ(m->FindByName("Via", -1)->value, "SIP/2.0/UDP h2");
  EXPECT_EQ(m->body(), "");
}

// Corruption style: start from a valid message and break one thing.
const char kBase[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: abc@10.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "body";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

TEST(SipMessageCorruption, BaseIsValid) {
  auto m = Message::Parse(kBase);
  EXPECT_TRUE(m->ok());
  EXPECT_EQ(m->Validate(), ParseError::kNone);
  EXPECT_EQ(m->body(), "body");
}

TEST(SipMessageCorruption, BadHeaderKeepsTheRest) {
  auto m = Message::Parse(Replace(kBase, "To: <sip:bob", "T o: <sip:bob"));
  EXPECT_EQ(m->error(), ParseError::kBadHeaderName);
  EXPECT_TRUE(m->first_line_ok());
  EXPECT_EQ(m->method(), "INVITE");
  EXPECT_EQ(m->CallId(), "abc@10.0.0.1");
  EXPECT_EQ(FromTag(*m), "1");
  EXPECT_EQ(m->body(), "body");
  EXPECT_EQ(m->Validate(), ParseError::kBadHeaderName);

  m = Message::Parse(Replace(kBase, "Max-Forwards: 70", "Max-Forwards 70"));
  EXPECT_EQ(m->error(), ParseError::kNoHeaderColon);
  EXPECT_EQ(m->CSeq()->number, 1u);
}

TEST(SipMessageCorruption, BadTypedHeaderValue) {
  auto m = Message::Parse(Replace(kBase, "CSeq: 1 INVITE", "CSeq: x INVITE"));
  EXPECT_TRUE(m->ok());  // raw parse is fine; typed access fails
  EXPECT_EQ(m->CSeq(), nullptr);
  EXPECT_STREQ(m->HeaderError(HeaderType::kCSeq), "bad CSeq number");
  std::string why;
  EXPECT_EQ(m->Validate(&why), ParseError::kBadHeaderValue);
  EXPECT_EQ(why, "CSeq: bad CSeq number");
  EXPECT_EQ(m->CallId(), "abc@10.0.0.1");
}

TEST(SipMessageCorruption, ContentLength) {
  auto m = Message::Parse(Replace(kBase, "Content-Length: 4", "Content-Length: 40"));
  EXPECT_EQ(m->error(), ParseError::kBodyTruncated);
  EXPECT_TRUE(m->body_truncated());
  EXPECT_EQ(m->body(), "body");
  m = Message::Parse(Replace(kBase, "Content-Length: 4", "Content-Length: 2"));
  EXPECT_TRUE(m->ok());
  EXPECT_EQ(m->body(), "bo");
  EXPECT_EQ(m->trailing(), "dy");
  m = Message::Parse(Replace(kBase, "Content-Length: 4", "Content-Length: four"));
  EXPECT_EQ(m->error(), ParseError::kBadContentLength);
  EXPECT_EQ(m->body(), "body");
  m = Message::Parse(Replace(kBase, "Content-Length: 4\r\n", ""));
  EXPECT_TRUE(m->ok());
  EXPECT_EQ(m->body(), "body");
}

TEST(SipMessageCorruption, FirstLine) {
  EXPECT_EQ(Message::Parse("")->error(), ParseError::kEmpty);
  EXPECT_EQ(Message::Parse("INVITE")->error(), ParseError::kBadFirstLine);
  EXPECT_EQ(Message::Parse(Replace(kBase, "INVITE sip", "INV(TE sip"))->error(),
            ParseError::kBadMethod);
  EXPECT_EQ(Message::Parse(Replace(kBase, " SIP/2.0\r\nVia", "\r\nVia"))->error(),
            ParseError::kBadFirstLine);
  auto m = Message::Parse(Replace(kBase, "sip:bob@example.com SIP", "sip:bob@exa[mple.com SIP"));
  EXPECT_EQ(m->error(), ParseError::kBadRequestUri);
  EXPECT_EQ(m->method(), "INVITE");
  EXPECT_EQ(m->CallId(), "abc@10.0.0.1");
  EXPECT_EQ(Message::Parse("SIP/2.0 20 OK\r\n\r\n")->error(), ParseError::kBadStatusCode);
  EXPECT_EQ(Message::Parse("SIP/2.0 700 OK\r\n\r\n")->error(), ParseError::kBadStatusCode);
  EXPECT_EQ(Message::Parse("SIP/3.0 200 OK\r\n\r\n")->error(), ParseError::kBadVersion);
  EXPECT_EQ(Message::Parse("SIP/2.0 200 OK\r\nVia: x\r\n")->error(),
            ParseError::kHeadersUnterminated);
  EXPECT_FALSE(Message::Parse("garbage")->first_line_ok());
}

TEST(SipMessageCorruption, BareLfAndFolding) {
  auto m = Message::Parse(
      "OPTIONS sip:a@b SIP/2.0\nCall-ID: x1\nSubject: first\n  second\nX-Empty:\n\nB");
  ASSERT_TRUE(m->ok()) << m->error_text();
  EXPECT_EQ(m->CallId(), "x1");
  EXPECT_EQ(m->FindByName("Subject")->value, "first\n  second");
  EXPECT_EQ(m->FindByName("X-Empty")->value, "");
  EXPECT_EQ(m->body(), "B");
}

// Every truncation and every single-byte change of a valid message parses
// without crashing (ASan/fuzz catch reads past the end).
TEST(SipMessageCorruption, TruncationsAndByteFlips) {
  std::string base = DataFile("compact_invite");
  ASSERT_FALSE(base.empty());
  size_t first_line_ok = 0;
  for (size_t i = 0; i <= base.size(); ++i) {
    auto m = Message::Parse(std::string_view(base).substr(0, i));
    first_line_ok += m->first_line_ok();
    m->Validate();
  }
  EXPECT_GT(first_line_ok, base.size() / 2);
  for (size_t i = 0; i < base.size(); i += 7) {
    std::string b = base;
    b[i] = static_cast<char>(b[i] ^ 0x55);
    auto m = Message::Parse(b);
    m->Validate();
    m->Contacts();
    m->PAssertedIdentity();
    m->ProxyAuthorization();
  }
}

TEST(SipMessage, ParsedFromContext) {
  MsgContext ctx;
  ctx.buf = kBase;
  Message* m = Parsed(ctx);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->method(), "INVITE");
  EXPECT_EQ(Parsed(ctx), m);  // cached
  ctx.buf = "SIP/2.0 180 Ringing\r\nCall-ID: z\r\n\r\n";
  m = Parsed(ctx);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->status_code(), 180);
  ctx.buf = "not sip at all";
  EXPECT_EQ(Parsed(ctx), nullptr);
  EXPECT_NE(ctx.sip, nullptr);
}

}  // namespace
}  // namespace sipcapd::sip
