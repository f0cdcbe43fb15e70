// Via building / stamping / removal and stateless replies.
#include "core/proxy/via.h"

#include <gtest/gtest.h>

#include "core/proxy/msg_edit.h"
#include "core/proxy/reply.h"

namespace sipcapd::proxy {
namespace {

const char kInvite[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "body";

SockAddr Addr(const char* ip, uint16_t port) { return SockAddr{*IpAddr::Parse(ip), port}; }

TEST(Via, StampAddsReceivedAndRport) {
  auto r = StampTopVia(kInvite, Addr("192.0.2.7", 40000), false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->find("Via: SIP/2.0/UDP "
                    "10.0.0.1:5062;branch=z9hG4bK776asdhds;received=192.0.2.7;rport=40000\r\n"),
            std::string::npos)
      << *r;
}

TEST(Via, StampNothingWhenSourceMatchesAndNoRport) {
  std::string m = kInvite;
  m.replace(m.find(";rport"), 6, "");
  auto r = StampTopVia(m, Addr("10.0.0.1", 5062), false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, m);
  auto forced = StampTopVia(m, Addr("10.0.0.1", 5062), true);
  ASSERT_TRUE(forced.ok());
  EXPECT_NE(forced->find("branch=z9hG4bK776asdhds;rport=5062\r\n"), std::string::npos) << *forced;
  EXPECT_EQ(forced->find("received="), std::string::npos);
}

TEST(Via, StampWithoutParams) {
  std::string m = kInvite;
  m.replace(m.find(";branch=z9hG4bK776asdhds;rport"), 30, "");
  auto r = StampTopVia(m, Addr("192.0.2.7", 1), false);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->find("Via: SIP/2.0/UDP 10.0.0.1:5062;received=192.0.2.7\r\n"), std::string::npos)
      << *r;
}

TEST(Via, InsertAndRemoveRoundTrip) {
  std::string line = BuildViaLine("UDP", Addr("127.0.0.1", 5060), "z9hG4bKscabc");
  EXPECT_EQ(line, "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKscabc\r\n");
  std::string with = InsertVia(kInvite, line);
  EXPECT_EQ(with.find("Via:"), with.find(line));
  EXPECT_LT(with.find(line), with.find("Via: SIP/2.0/UDP 10.0.0.1"));
  auto back = RemoveTopVia(with);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, kInvite);
}

TEST(Via, RemoveFirstOfSeveralInOneLine) {
  std::string m =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsc1, SIP/2.0/TCP "
      "[2001:db8::1]:5070;branch=z9hG4bKx;received=2001:db8::2;rport=6000\r\n"
      "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  auto r = RemoveTopVia(m);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->find("Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx"), std::string::npos)
      << *r;
  EXPECT_EQ(r->find("z9hG4bKsc1"), std::string::npos);
  auto msg = sip::Message::Parse(*r);
  ASSERT_NE(msg->FirstVia(), nullptr);
  auto t = TargetOfVia(*msg->FirstVia());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->transport, "TCP");
  EXPECT_EQ(t->host, "2001:db8::2");
  EXPECT_EQ(t->port, 6000);
}

TEST(Via, TargetDefaultsPort) {
  auto msg = sip::Message::Parse(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS example.com;branch=z9hG4bKa\r\nContent-Length: "
      "0\r\n\r\n");
  auto t = TargetOfVia(*msg->FirstVia());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "example.com");
  EXPECT_EQ(t->port, 5061);
}

TEST(Via, BranchStableForRetransmissionsAndCancel) {
  auto a = sip::Message::Parse(kInvite);
  std::string b1 = StatelessBranch(*a);
  EXPECT_EQ(b1.rfind("z9hG4bKsc", 0), 0u);
  auto again = sip::Message::Parse(kInvite);
  EXPECT_EQ(StatelessBranch(*again), b1);
  std::string cancel = kInvite;
  cancel.replace(0, 6, "CANCEL");
  cancel.replace(cancel.find("314159 INVITE"), 13, "314159 CANCEL");
  EXPECT_EQ(StatelessBranch(*sip::Message::Parse(cancel)), b1);
  std::string other = kInvite;
  other.replace(other.find("776asdhds"), 9, "999999999");
  EXPECT_NE(StatelessBranch(*sip::Message::Parse(other)), b1);
}

TEST(Reply, BuildsStatelessReply) {
  auto req = sip::Message::Parse(kInvite);
  auto r = BuildReply(*req, Addr("192.0.2.7", 40000), 486, "Busy Here");
  ASSERT_TRUE(r.ok());
  auto rep = sip::Message::Parse(*r);
  ASSERT_TRUE(rep->is_reply());
  EXPECT_EQ(rep->status_code(), 486);
  EXPECT_EQ(rep->reason(), "Busy Here");
  EXPECT_EQ(rep->CallId(), "a84b4c76e66710");
  ASSERT_NE(rep->To(), nullptr);
  EXPECT_EQ(rep->To()->tag, StatelessToTag(*req));
  EXPECT_EQ(rep->FirstVia()->received, "192.0.2.7");
  EXPECT_EQ(rep->FirstVia()->rport_value, "40000");
  EXPECT_EQ(rep->body(), "");
  EXPECT_FALSE(BuildReply(*rep, Addr("192.0.2.7", 1), 200, "OK").ok());
  auto trying = BuildReply(*req, Addr("10.0.0.1", 5062), 100, "Trying");
  ASSERT_TRUE(trying.ok());
  EXPECT_TRUE(sip::Message::Parse(*trying)->To()->tag.empty());
}

TEST(MsgEdit, FixContentLengthAndReplaceRuri) {
  std::string m = kInvite;
  m += "++";
  FixContentLength(m);
  EXPECT_NE(m.find("Content-Length: 6\r\n"), std::string::npos);
  ASSERT_TRUE(ReplaceRuri(m, "sip:carol@192.0.2.9:5080").ok());
  EXPECT_EQ(m.rfind("INVITE sip:carol@192.0.2.9:5080 SIP/2.0\r\n", 0), 0u);
  EXPECT_EQ(HeadersEnd("A\r\nB: c\r\n\r\nx"), 9u);
  EXPECT_EQ(HeadersEnd("A\r\nB: c\r\n"), std::string::npos);
}

TEST(MsgEdit, AppendAndRemoveHeaders) {
  MsgContext ctx;
  ctx.buf = kInvite;
  ASSERT_TRUE(AppendHeader(ctx, "X-Foo: 1").ok());
  ASSERT_TRUE(AppendHeader(ctx, "X-Foo: 2\r\n").ok());
  EXPECT_NE(ctx.buf.find("Content-Length: 4\r\nX-Foo: 1\r\nX-Foo: 2\r\n\r\nbody"),
            std::string::npos);
  EXPECT_EQ(RemoveHeaders(ctx, "x-foo"), 2);
  EXPECT_EQ(ctx.buf, kInvite);
  EXPECT_EQ(RemoveHeaders(ctx, "X-None"), 0);
  EXPECT_EQ(RemoveHeaders(ctx, "v"), 1);  // compact form of Via
  EXPECT_EQ(ctx.buf.find("Via:"), std::string::npos);
}

}  // namespace
}  // namespace sipcapd::proxy
