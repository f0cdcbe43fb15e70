#include "core/base/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

namespace sipcapd {
namespace {

struct Item {
  int id = 0;
  TimerHook<Item> hook;
};
using Wheel = TimerWheel<Item, MemberHook<Item, &Item::hook>>;

// Expire(now) of w: the ids fired, sorted.
std::vector<int> Fired(Wheel& w, int64_t now) {
  std::vector<int> ids;
  w.Expire(now, [&ids](Item& e) { ids.push_back(e.id); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Slots of 10 ms, 16 of them (a turn of 160 ms), the clock starting at
// 1000: every deadline fires at the first Expire at or after it, never
// before, once, whether it is in the current turn, in a later turn (it
// waits in its slot while the cursor passes it) or in the same slot as a
// later one.
TEST(TimerWheel, FiresEachDeadlineOnceOnTimeAcrossTurns) {
  Wheel w(10, 16, 1000);
  std::map<int, int64_t> due = {{1, 1003}, {2, 1009}, {3, 1010}, {4, 1155},
                                {5, 1163}, {6, 1500}, {7, 1503}, {8, 4000}};
  std::vector<std::unique_ptr<Item>> items;
  for (const auto& [id, at] : due) {
    items.push_back(std::make_unique<Item>());
    items.back()->id = id;
    w.Set(*items.back(), at);
    EXPECT_EQ(Wheel::Deadline(*items.back()), at);
  }
  EXPECT_EQ(w.size(), due.size());
  std::map<int, int64_t> fired_at;
  for (int64_t now = 1000; now <= 4100; ++now) {  // 1 ms ticks
    for (int id : Fired(w, now)) {
      EXPECT_EQ(fired_at.count(id), 0u) << "fired twice: " << id;
      fired_at[id] = now;
    }
  }
  EXPECT_EQ(fired_at, due);
  EXPECT_EQ(w.size(), 0u);
  for (const auto& e : items) EXPECT_EQ(Wheel::Deadline(*e), 0);
}

// Replacing a deadline moves the object (one entry, never two), removing
// it leaves its slot's other objects in place (head, middle and tail of a
// slot's list), and Set(0) removes.
TEST(TimerWheel, ReplaceAndRemoveKeepOneEntryPerObject) {
  Wheel w(10, 16, 0);
  Item a{1}, b{2}, c{3}, d{4};
  for (Item* e : {&a, &b, &c, &d}) w.Set(*e, 55);  // one slot: d, c, b, a
  EXPECT_EQ(w.size(), 4u);
  w.Set(b, 90);  // from the middle of its list
  EXPECT_EQ(w.size(), 4u);
  w.Remove(d);  // the head
  w.Remove(d);  // not filed: a no-op
  w.Set(a, 0);  // the tail, by Set(0)
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(Fired(w, 54), std::vector<int>{});
  EXPECT_EQ(Fired(w, 60), std::vector<int>{3});
  EXPECT_EQ(Fired(w, 89), std::vector<int>{});
  EXPECT_EQ(Fired(w, 90), std::vector<int>{2});
  EXPECT_EQ(w.size(), 0u);
}

// Time jumping a whole turn ahead fires everything due, each once; time
// going back fires nothing and loses nothing; a deadline behind the cursor
// fires at the next Expire, as does one filed again from inside fire
// (not in the Expire that fired it).
TEST(TimerWheel, ClockJumpsAndDeadlinesBehindTheCursor) {
  Wheel w(10, 16, 0);
  Item a{1}, b{2}, c{3};
  w.Set(a, 20);
  w.Set(b, 150);
  w.Set(c, 20000);
  EXPECT_EQ(Fired(w, 10000), (std::vector<int>{1, 2}));  // 62 turns at once
  EXPECT_EQ(Fired(w, 5000), std::vector<int>{});         // back in time
  EXPECT_EQ(w.size(), 1u);
  w.Set(a, 30);  // long past: into the cursor's slot
  EXPECT_EQ(Fired(w, 10000), std::vector<int>{1});
  w.Set(b, 10005);
  int fired = 0;
  w.Expire(10010, [&](Item& e) {
    ++fired;
    w.Set(e, 10001);  // already past
  });
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(Wheel::Deadline(b), 10001);
  EXPECT_EQ(Fired(w, 10010), std::vector<int>{2});
  EXPECT_EQ(Fired(w, 19999), std::vector<int>{});
  EXPECT_EQ(Fired(w, 20000), std::vector<int>{3});
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace sipcapd
