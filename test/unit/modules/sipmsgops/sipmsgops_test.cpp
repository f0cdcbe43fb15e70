// sipmsgops functions on parsed messages.
// link: sipmsgops_logic
#include <gtest/gtest.h>

#include "modules/sipmsgops/sipmsgops_funcs.h"

namespace sipcapd::sipmsgops {
namespace {

const char kReq[] =
    "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "To: <sip:a@example.com>\r\nFrom: <sip:a@example.com>;tag=9\r\nCall-ID: c\r\n"
    "CSeq: 2 REGISTER\r\nX-Test: yes\r\nContent-Length: 0\r\n\r\n";

MsgContext Ctx(const std::string& s) {
  MsgContext c;
  c.buf = s;
  return c;
}

TEST(SipMsgOps, IsMethod) {
  MsgContext c = Ctx(kReq);
  EXPECT_EQ(SplitMethods("INVITE| REGISTER||"), (std::vector<std::string>{"INVITE", "REGISTER"}));
  EXPECT_EQ(IsMethod(c, SplitMethods("INVITE|REGISTER")), 1);
  EXPECT_EQ(IsMethod(c, SplitMethods("register")), 1);
  EXPECT_EQ(IsMethod(c, SplitMethods("INVITE|BYE")), -1);
  MsgContext r = Ctx("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nCSeq: 5 BYE\r\n\r\n");
  EXPECT_EQ(IsMethod(r, {"BYE"}), 1);  // replies: the CSeq method
}

TEST(SipMsgOps, ToTagAndPresence) {
  MsgContext c = Ctx(kReq);
  EXPECT_EQ(HasToTag(c), -1);
  EXPECT_EQ(IsPresentHf(c, "x-test"), 1);
  EXPECT_EQ(IsPresentHf(c, "i"), 1);  // compact Call-ID
  EXPECT_EQ(IsPresentHf(c, "X-Nope"), -1);
  std::string tagged = kReq;
  tagged.replace(tagged.find("<sip:a@example.com>\r\nFrom"), 19, "<sip:a@example.com>;tag=77");
  MsgContext t = Ctx(tagged);
  EXPECT_EQ(HasToTag(t), 1);
}

TEST(SipMsgOps, AppendRemoveVisibleToLaterReads) {
  MsgContext c = Ctx(kReq);
  EXPECT_EQ(IsPresentHf(c, "X-Added"), -1);  // parse cached now
  EXPECT_EQ(AppendHf(c, "X-Added: 1\r\n"), 1);
  EXPECT_EQ(IsPresentHf(c, "X-Added"), 1);
  EXPECT_EQ(RemoveHf(c, "X-Test"), 1);
  EXPECT_EQ(IsPresentHf(c, "X-Test"), -1);
  EXPECT_EQ(RemoveHf(c, "X-Test"), -1);
  EXPECT_NE(c.buf.find("Content-Length: 0\r\nX-Added: 1\r\n\r\n"), std::string::npos) << c.buf;
}

}  // namespace
}  // namespace sipcapd::sipmsgops
