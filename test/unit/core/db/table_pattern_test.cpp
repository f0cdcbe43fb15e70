#include "core/db/table_pattern.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "core/db/driver.h"

namespace sipcapd::db {
namespace {

int64_t Us(int64_t sec) { return sec * 1000000; }

TEST(TablePattern, PlainName) {
  auto p = TablePattern::Parse("sip_capture");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_time());
  EXPECT_EQ(p->Expand(Us(1700000000)), "sip_capture");
}

TEST(TablePattern, DailyAcrossUtcMidnight) {
  auto p = TablePattern::Parse("sip_capture_%Y%m%d");
  ASSERT_TRUE(p.ok());
  // 2023-11-14 23:59:59.999999 UTC and one microsecond later.
  int64_t before = Us(1700006399) + 999999;
  EXPECT_EQ(p->Expand(before), "sip_capture_20231114");
  EXPECT_EQ(p->Expand(before + 1), "sip_capture_20231115");
  EXPECT_EQ(p->Expand(Us(0)), "sip_capture_19700101");
  EXPECT_EQ(p->Expand(-1), "sip_capture_19691231");
}

TEST(TablePattern, HourlyAndOtherConversions) {
  auto p = TablePattern::Parse("homer_%m_%d_%H");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Expand(Us(1700006399)), "homer_11_14_23");
}

TEST(TablePattern, LocalTimeAcrossDst) {
  // Europe/Berlin: DST ends 2023-10-29 01:00 UTC (03:00 CEST -> 02:00 CET).
  const char* old = getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "Europe/Berlin", 1);
  tzset();
  auto p = TablePattern::Parse("t_%Y%m%d_%H", true);
  ASSERT_TRUE(p.ok());
  int64_t switch_utc = 1698541200;                            // 2023-10-29 01:00:00 UTC
  EXPECT_EQ(p->Expand(Us(switch_utc - 1)), "t_20231029_02");  // 02:59:59 CEST
  EXPECT_EQ(p->Expand(Us(switch_utc)), "t_20231029_02");      // 02:00:00 CET
  EXPECT_EQ(p->Expand(Us(switch_utc + 3600)), "t_20231029_03");
  // Local midnight is 22:00/23:00 UTC, not UTC midnight.
  auto d = TablePattern::Parse("d_%Y%m%d", true);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->Expand(Us(1698620400 - 1)), "d_20231029");  // 23:59:59 CET
  EXPECT_EQ(d->Expand(Us(1698620400)), "d_20231030");      // 2023-10-29 23:00 UTC
  // UTC patterns are unaffected by TZ.
  auto u = TablePattern::Parse("d_%Y%m%d");
  EXPECT_EQ(u->Expand(Us(1698620400)), "d_20231029");
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST(TablePattern, RejectsUnsafe) {
  for (const char* bad :
       {"sip-capture", "t_%Y-%m-%d", "t_%c", "t_%", "t_%x", "t;drop", "t %Y", "", "t_%F"}) {
    auto p = TablePattern::Parse(bad);
    EXPECT_FALSE(p.ok()) << bad;
  }
  std::string longname(70, 'a');
  EXPECT_FALSE(TablePattern::Parse(longname).ok());
}

TEST(SafeIdentifier, Basics) {
  EXPECT_TRUE(IsSafeIdentifier("sip_capture_20231114"));
  EXPECT_FALSE(IsSafeIdentifier("a`b"));
  EXPECT_FALSE(IsSafeIdentifier(""));
}

}  // namespace
}  // namespace sipcapd::db
