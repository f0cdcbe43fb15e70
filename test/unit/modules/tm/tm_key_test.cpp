// link: tm_logic
#include "modules/tm/tm_key.h"

#include <gtest/gtest.h>

namespace sipcapd::tm {
namespace {

std::string Req(std::string method, std::string branch, std::string via_host = "10.0.0.1:5060",
                std::string cseq_method = "", std::string to_tag = "") {
  if (cseq_method.empty()) cseq_method = method;
  return method + " sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP " + via_host +
         (branch.empty() ? "" : ";branch=" + branch) +
         "\r\nFrom: <sip:a@x>;tag=f1\r\nTo: <sip:bob@example.com>" +
         (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\nCall-ID: c1@x\r\nCSeq: 7 " + cseq_method +
         "\r\nRoute: <sip:p1;lr>\r\nContent-Length: 0\r\n\r\n";
}
std::string Key(const std::string& text, std::string_view as = {}) {
  auto m = sip::Message::Parse(text);
  auto k = ServerKey(*m, as);
  EXPECT_TRUE(k.ok()) << k.status().message();
  return k.ok() ? *k : "";
}

TEST(TmKey, Rfc3261RetransmissionMatches) {
  EXPECT_EQ(Key(Req("INVITE", "z9hG4bKabc")), Key(Req("INVITE", "z9hG4bKabc")));
  EXPECT_NE(Key(Req("INVITE", "z9hG4bKabc")), Key(Req("INVITE", "z9hG4bKabd")));
  // same branch from another sent-by: another transaction
  EXPECT_NE(Key(Req("INVITE", "z9hG4bKabc")), Key(Req("INVITE", "z9hG4bKabc", "10.0.0.2:5060")));
  // default port equals explicit 5060
  EXPECT_EQ(Key(Req("INVITE", "z9hG4bKabc", "10.0.0.1")), Key(Req("INVITE", "z9hG4bKabc")));
}

TEST(TmKey, AckMatchesInviteCancelDoesNot) {
  std::string inv = Key(Req("INVITE", "z9hG4bKabc"));
  EXPECT_EQ(Key(Req("ACK", "z9hG4bKabc", "10.0.0.1:5060", "ACK", "tt")), inv);
  EXPECT_NE(Key(Req("CANCEL", "z9hG4bKabc")), inv);
  EXPECT_EQ(Key(Req("CANCEL", "z9hG4bKabc"), "INVITE"), inv);
  EXPECT_NE(Key(Req("OPTIONS", "z9hG4bKabc")), inv);
}

TEST(TmKey, Rfc2543Fallback) {
  std::string inv = Key(Req("INVITE", "old1"));
  EXPECT_EQ(inv.rfind("2543|", 0), 0u);
  EXPECT_EQ(Key(Req("INVITE", "old1")), inv);
  // ACK carries the To tag of our reply and still matches
  EXPECT_EQ(Key(Req("ACK", "old1", "10.0.0.1:5060", "ACK", "ourtag")), inv);
  EXPECT_EQ(Key(Req("CANCEL", "old1"), "INVITE"), inv);
  EXPECT_NE(Key(Req("INVITE", "old2")), inv);  // other top Via
  EXPECT_NE(Key(Req("INVITE", "")), inv);
}

TEST(TmKey, Errors) {
  auto m = sip::Message::Parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n");
  EXPECT_FALSE(ServerKey(*m).ok());
  auto n = sip::Message::Parse("INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n");
  EXPECT_FALSE(ServerKey(*n).ok());
}

TEST(TmKey, BranchRoundTrip) {
  std::string b = MakeBranch(0x1234abcd, 3);
  EXPECT_EQ(b, "z9hG4bKtm1234abcd.3");
  auto r = ParseBranch(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 0x1234abcdu);
  EXPECT_EQ(r->index, 3u);
  EXPECT_FALSE(ParseBranch("z9hG4bKsc123"));
  EXPECT_FALSE(ParseBranch("z9hG4bKtm.1"));
  EXPECT_FALSE(ParseBranch("z9hG4bKtm12."));
  EXPECT_FALSE(ParseBranch("z9hG4bKtmxyz.1"));
  EXPECT_FALSE(ParseBranch("z9hG4bKtm12.1x"));
}

TEST(TmKey, RetransmitIntervals) {
  // timer E (non-INVITE) doubles up to T2
  EXPECT_EQ(RetransmitIntervalMs(1, 500, 4000, true), 500);
  EXPECT_EQ(RetransmitIntervalMs(2, 500, 4000, true), 1000);
  EXPECT_EQ(RetransmitIntervalMs(4, 500, 4000, true), 4000);
  EXPECT_EQ(RetransmitIntervalMs(9, 500, 4000, true), 4000);
  // timer A (INVITE) is not capped
  EXPECT_EQ(RetransmitIntervalMs(5, 500, 4000, false), 8000);
  EXPECT_EQ(RetransmitIntervalMs(7, 500, 4000, false), 32000);
  // bounded for absurd counts
  EXPECT_GT(RetransmitIntervalMs(100, 500, 4000, false), 0);
}

TEST(TmKey, AckForNegativeReply) {
  auto req = sip::Message::Parse(Req("INVITE", "z9hG4bKtm1.0"));
  auto rpl = sip::Message::Parse(
      "SIP/2.0 486 Busy\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKtm1.0\r\n"
      "From: <sip:a@x>;tag=f1\r\nTo: <sip:bob@example.com>;tag=t9\r\nCall-ID: c1@x\r\n"
      "CSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
  auto ack = BuildAck(*req, *rpl);
  ASSERT_TRUE(ack.ok());
  auto a = sip::Message::Parse(*ack);
  EXPECT_TRUE(a->ok()) << a->error_text();
  EXPECT_EQ(a->method(), "ACK");
  EXPECT_EQ(a->ruri(), "sip:bob@example.com");
  EXPECT_EQ(a->FirstVia()->branch, "z9hG4bKtm1.0");
  EXPECT_EQ(a->CSeq()->number, 7u);
  EXPECT_EQ(a->CSeq()->method, "ACK");
  EXPECT_NE(ack->find("To: <sip:bob@example.com>;tag=t9\r\n"), std::string::npos);
  EXPECT_NE(ack->find("Route: <sip:p1;lr>\r\n"), std::string::npos);
  EXPECT_FALSE(BuildAck(*rpl, *req).ok());
}

TEST(TmKey, Cancel) {
  auto req = sip::Message::Parse(Req("INVITE", "z9hG4bKtm1.0"));
  auto c = BuildCancel(*req);
  ASSERT_TRUE(c.ok());
  auto m = sip::Message::Parse(*c);
  EXPECT_TRUE(m->ok()) << m->error_text();
  EXPECT_EQ(m->method(), "CANCEL");
  EXPECT_EQ(m->FirstVia()->branch, "z9hG4bKtm1.0");
  EXPECT_EQ(m->CSeq()->method, "CANCEL");
  EXPECT_EQ(m->CSeq()->number, 7u);
}

}  // namespace
}  // namespace sipcapd::tm
