// mf_process_maxfwd_header logic.
// link: maxfwd_logic
#include <gtest/gtest.h>

#include "core/sip/msg_helpers.h"
#include "modules/maxfwd/maxfwd_funcs.h"

namespace sipcapd::maxfwd {
namespace {

MsgContext Ctx(const std::string& mf) {
  MsgContext c;
  c.buf = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" + mf +
          "Call-ID: c\r\nContent-Length: 0\r\n\r\n";
  return c;
}

TEST(MaxFwd, DecrementAddLimitZero) {
  MsgContext c = Ctx("Max-Forwards: 70\r\n");
  EXPECT_EQ(ProcessMaxFwd(c, 10, 256), 1);
  EXPECT_EQ(sip::Parsed(c)->MaxForwards().value_or(999), 69u);
  MsgContext none = Ctx("");
  EXPECT_EQ(ProcessMaxFwd(none, 10, 256), 2);
  EXPECT_EQ(sip::Parsed(none)->MaxForwards().value_or(999), 10u);
  MsgContext big = Ctx("Max-Forwards: 200\r\n");
  EXPECT_EQ(ProcessMaxFwd(big, 10, 16), 1);
  EXPECT_EQ(sip::Parsed(big)->MaxForwards().value_or(999), 15u);
  MsgContext zero = Ctx("Max-Forwards: 0\r\n");
  EXPECT_EQ(ProcessMaxFwd(zero, 10, 256), -1);
  MsgContext bad = Ctx("Max-Forwards: abc\r\n");
  EXPECT_EQ(ProcessMaxFwd(bad, 10, 256), -2);
  MsgContext reply;
  reply.buf = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n";
  EXPECT_EQ(ProcessMaxFwd(reply, 10, 256), -2);
}

}  // namespace
}  // namespace sipcapd::maxfwd
