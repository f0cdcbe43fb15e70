#include "core/base/intrusive_index.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace sipcapd {
namespace {

struct Item {
  std::string key;
  size_t hash = 0;
  Item* next = nullptr;
};
using Index = IntrusiveIndex<Item, MemberLinks<Item, &Item::next, &Item::hash>>;

Item* Find(const Index& idx, const std::string& key, size_t h, Item* after = nullptr) {
  return idx.Find(
      h, [&key](const Item& i) { return i.key == key; }, after);
}

// Many items, forced into few hashes (collisions in every chain) and
// through several doublings of the buckets: each is found by hash and key,
// absent keys are not, and unlinking leaves the others findable.
TEST(IntrusiveIndex, FindsEveryItemThroughGrowthAndCollisions) {
  Index idx;
  EXPECT_EQ(Find(idx, "a", 1), nullptr);  // empty: no buckets yet
  std::vector<std::unique_ptr<Item>> items;
  for (int i = 0; i < 1000; ++i) {
    items.push_back(std::make_unique<Item>());
    items.back()->key = "k" + std::to_string(i);
    items.back()->hash = static_cast<size_t>(i % 37);  // 37 distinct hashes
    idx.Link(items.back().get());
  }
  EXPECT_EQ(idx.size(), 1000u);
  EXPECT_GE(idx.buckets(), 1000u);
  EXPECT_EQ(idx.buckets() & (idx.buckets() - 1), 0u);  // a power of two
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(Find(idx, "k" + std::to_string(i), i % 37), items[i].get()) << i;
  EXPECT_EQ(Find(idx, "k5", 6), nullptr);  // right key, wrong hash
  EXPECT_EQ(Find(idx, "nope", 5), nullptr);
  for (int i = 0; i < 1000; i += 2) idx.Unlink(items[i].get());
  EXPECT_EQ(idx.size(), 500u);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(Find(idx, "k" + std::to_string(i), i % 37), i % 2 ? items[i].get() : nullptr) << i;
  idx.Unlink(items[0].get());  // not linked any more: no-op
  EXPECT_EQ(idx.size(), 500u);
}

// Several items with one key: Find(after) walks them all, once each.
TEST(IntrusiveIndex, FindAfterVisitsEveryItemOfAKey) {
  Index idx;
  Item a{"x", 7}, b{"y", 7}, c{"x", 7}, d{"x", 8};
  for (Item* i : {&a, &b, &c, &d}) idx.Link(i);
  std::vector<Item*> seen;
  for (Item* i = Find(idx, "x", 7); i; i = Find(idx, "x", 7, i)) seen.push_back(i);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[0], seen[1]);
  for (Item* i : seen) EXPECT_TRUE(i == &a || i == &c);
  idx.Unlink(&c);
  EXPECT_EQ(Find(idx, "x", 7), &a);
  EXPECT_EQ(Find(idx, "x", 7, &a), nullptr);
  EXPECT_EQ(Find(idx, "x", 8), &d);
}

}  // namespace
}  // namespace sipcapd
