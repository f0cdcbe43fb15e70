#include "core/base/log.h"

#include <gtest/gtest.h>

namespace sipcapd {
namespace {

TEST(LogTest, ParsesOpenSipsLevelNames) {
  int l = 0;
  ASSERT_TRUE(ParseLogLevel("L_INFO", &l));
  EXPECT_EQ(l, kLogInfo);
  ASSERT_TRUE(ParseLogLevel("L_ERR", &l));
  EXPECT_EQ(l, kLogErr);
  ASSERT_TRUE(ParseLogLevel("dbg", &l));
  EXPECT_EQ(l, kLogDebug);
  ASSERT_TRUE(ParseLogLevel("-3", &l));
  EXPECT_EQ(l, kLogAlert);
  EXPECT_FALSE(ParseLogLevel("L_LOUD", &l));
  EXPECT_FALSE(ParseLogLevel("", &l));
  EXPECT_STREQ(LogLevelName(kLogWarn), "WARN");
}

TEST(LogTest, LevelGatesOutput) {
  Log::set_level(kLogErr);
  EXPECT_TRUE(Log::enabled(kLogErr));
  EXPECT_FALSE(Log::enabled(kLogInfo));
  Log::set_level(kLogNotice);
}

}  // namespace
}  // namespace sipcapd
