// FormatDateTimeUtc: the hand-rolled formatter matches strftime for
// fractions, pre-1970 instants, leap days and 5-digit years.
#include "core/db/value.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>

namespace sipcapd::db {
namespace {

// An independent formatter: strftime, floor division for the fraction.
std::string Reference(int64_t us) {
  int64_t frac = ((us % 1000000) + 1000000) % 1000000;
  time_t t = static_cast<time_t>((us - frac) / 1000000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = buf;
  if (frac) {
    std::string f = std::to_string(frac);
    out += "." + std::string(6 - f.size(), '0') + f;
  }
  return out;
}

TEST(FormatDateTimeUtc, KnownValues) {
  EXPECT_EQ(FormatDateTimeUtc(0), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatDateTimeUtc(1700000000123456LL), "2023-11-14 22:13:20.123456");
  EXPECT_EQ(FormatDateTimeUtc(1700000000000001LL), "2023-11-14 22:13:20.000001");
  EXPECT_EQ(FormatDateTimeUtc(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(FormatDateTimeUtc(951782400000000LL), "2000-02-29 00:00:00");  // leap day
  EXPECT_EQ(FormatDateTimeUtc(253402300799000000LL), "9999-12-31 23:59:59");
  EXPECT_EQ(FormatDateTimeUtc(253402300800000000LL), "10000-01-01 00:00:00");
  char buf[kDateTimeBufSize];
  size_t n = FormatDateTimeUtc(1700000000500000LL, buf);
  EXPECT_EQ(std::string(buf, n), "2023-11-14 22:13:20.500000");
  EXPECT_EQ(buf[n], '\0');
}

TEST(FormatDateTimeUtc, MatchesPrintfOnRandomInstants) {
  std::mt19937_64 rng(42);
  // 1900 .. 2200
  std::uniform_int_distribution<int64_t> d(-2208988800LL * 1000000, 7258118400LL * 1000000);
  for (int i = 0; i < 20000; ++i) {
    int64_t us = d(rng);
    if (i % 3 == 0) us -= us % 1000000;  // whole seconds too
    ASSERT_EQ(FormatDateTimeUtc(us), Reference(us)) << us;
  }
}

}  // namespace
}  // namespace sipcapd::db
