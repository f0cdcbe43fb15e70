#include "core/base/stats.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sipcapd {
namespace {

TEST(StatsTest, RegisterQueryReset) {
  StatsRegistry r;
  Stat a, g;
  ASSERT_TRUE(r.Register("core", "rcv", &a).ok());
  ASSERT_TRUE(r.Register("core", "active", &g, kStatNoReset).ok());
  EXPECT_FALSE(r.Register("core", "rcv", &a).ok()) << "duplicate must fail";
  Stat* owned = r.Create("mod", "x");
  owned->Inc(5);
  ASSERT_TRUE(r.RegisterComputed("mod", "computed", [] { return int64_t{42}; }).ok());
  a.Inc(3);
  g.Set(7);
  EXPECT_EQ(r.Query("all").size(), 4u);
  EXPECT_EQ(r.Query("core:").size(), 2u);
  auto one = r.Query("mod:computed");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].Value(), 42);
  auto byname = r.Query("x");
  ASSERT_EQ(byname.size(), 1u);
  EXPECT_EQ(byname[0].Value(), 5);
  EXPECT_EQ(r.Reset("core:"), 1);
  EXPECT_EQ(a.Get(), 0);
  EXPECT_EQ(g.Get(), 7) << "no-reset stats keep their value";
  r.UnregisterGroup("mod");
  EXPECT_EQ(r.Query("all").size(), 2u);
}

TEST(StatsTest, ConcurrentIncrementsAreNotLost) {
  Stat s;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&s] {
      for (int i = 0; i < 100000; ++i) s.Inc();
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(s.Get(), 400000);
}

}  // namespace
}  // namespace sipcapd
