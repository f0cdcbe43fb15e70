// $json paths, get/set semantics.
// link: json_logic
#include <gtest/gtest.h>

#include "modules/json/json_store.h"

namespace sipcapd::json {
namespace {

JsonPath P(const char* s) {
  auto p = ParseJsonPath(s);
  EXPECT_TRUE(p.ok()) << s;
  return p.ok() ? *p : JsonPath{};
}

TEST(Json, ParsePaths) {
  auto p = ParseJsonPath("pld/payload");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->var, "pld");
  ASSERT_EQ(p->segs.size(), 1u);
  EXPECT_EQ(p->segs[0].key, "payload");
  p = ParseJsonPath("x/arr[-1][2]/k");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->segs.size(), 4u);
  EXPECT_EQ(p->segs[1].index, -1);
  EXPECT_EQ(p->segs[2].index, 2);
  EXPECT_FALSE(ParseJsonPath("").ok());
  EXPECT_FALSE(ParseJsonPath("x//y").ok());
  EXPECT_FALSE(ParseJsonPath("x/a[b]").ok());
  EXPECT_FALSE(ParseJsonPath("x/a[1").ok());
  EXPECT_FALSE(ParseJsonPath("x/a[]/b").ok());
}

TEST(Json, HeprPayloadFlow) {
  MsgContext ctx;
  JsonStore* s = JsonStore::Of(ctx, true);
  ASSERT_TRUE(
      s->Set(
           P("pld"),
           Value::Str(
               R"({"payload":"INVITE sip:a@b SIP/2.0\r\n","n":3,"f":1.5,"o":{"a":[1,"two",null]}})"),
           true)
          .ok());
  EXPECT_EQ(s->Get(P("pld/payload")).str_value(), "INVITE sip:a@b SIP/2.0\r\n");
  EXPECT_EQ(s->Get(P("pld/n")).int_value(), 3);
  EXPECT_EQ(s->Get(P("pld/f")).str_value(), "1.5");
  EXPECT_EQ(s->Get(P("pld/o/a[1]")).str_value(), "two");
  EXPECT_EQ(s->Get(P("pld/o/a[-3]")).int_value(), 1);
  EXPECT_TRUE(s->Get(P("pld/o/a[2]")).is_null());
  EXPECT_TRUE(s->Get(P("pld/o/a[9]")).is_null());
  EXPECT_TRUE(s->Get(P("pld/missing/x")).is_null());
  EXPECT_EQ(s->Get(P("pld/o")).str_value(), R"({"a":[1,"two",null]})");
  EXPECT_FALSE(s->Set(P("bad"), Value::Str("{nope"), true).ok());
}

TEST(Json, WritesCreateReplaceAppendDelete) {
  MsgContext ctx;
  JsonStore* s = JsonStore::Of(ctx, true);
  ASSERT_TRUE(s->Set(P("x/a/b"), Value::Str("v"), false).ok());
  ASSERT_TRUE(s->Set(P("x/n"), Value::Int(5), false).ok());
  ASSERT_TRUE(s->Set(P("x/list"), Value::Str("[]"), true).ok());
  ASSERT_TRUE(s->Set(P("x/list[]"), Value::Str("one"), false).ok());
  ASSERT_TRUE(s->Set(P("x/list[]"), Value::Str("{\"k\":1}"), true).ok());
  ASSERT_TRUE(s->Set(P("x/list[0]"), Value::Str("uno"), false).ok());
  EXPECT_EQ(s->Get(P("x")).str_value(), R"({"a":{"b":"v"},"n":5,"list":["uno",{"k":1}]})");
  EXPECT_FALSE(s->Set(P("x/list[5]"), Value::Int(1), false).ok());
  EXPECT_FALSE(s->Set(P("x/n/deeper"), Value::Int(1), false).ok());
  ASSERT_TRUE(s->Set(P("x/a"), Value::Null(), false).ok());
  ASSERT_TRUE(s->Set(P("x/list[-1]"), Value::Null(), false).ok());
  EXPECT_EQ(s->Get(P("x")).str_value(), R"({"n":5,"list":["uno"]})");
  // Clone is deep; deleting the variable leaves the clone intact.
  auto c = s->Clone();
  ASSERT_TRUE(s->Set(P("x"), Value::Null(), false).ok());
  EXPECT_TRUE(s->Get(P("x/n")).is_null());
  EXPECT_EQ(static_cast<JsonStore*>(c.get())->Get(P("x/n")).int_value(), 5);
  // A string "=" stays a string even if it looks like JSON.
  ASSERT_TRUE(s->Set(P("y"), Value::Str("{}"), false).ok());
  EXPECT_EQ(s->Get(P("y")).str_value(), "{}");
}

}  // namespace
}  // namespace sipcapd::json
