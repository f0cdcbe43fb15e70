// Engine::Compile error reporting: every problem, each as file:line:col.
#include <gtest/gtest.h>

#include "test/unit/core/script/script_test_util.h"

namespace sipcapd {
namespace {

std::string Err(const std::string& cfg) {
  auto st = std::make_shared<testing::FakeState>();
  auto reg = testing::MakeRegistry(st);
  std::string err;
  auto e = testing::Build(cfg, *reg, &err);
  EXPECT_EQ(e, nullptr) << cfg;
  return err;
}

TEST(CompileErrors, UnknownFunction) {
  EXPECT_EQ(Err("route {\n  nosuch(1);\n}"), "t.cfg:2:3: unknown function 'nosuch'");
}

TEST(CompileErrors, Arity) {
  EXPECT_EQ(Err("route { put(); }"),
            "t.cfg:1:9: too few arguments for 'put': 0 given, at least 2 needed");
  EXPECT_EQ(Err("route { rec(\"a\", \"b\", \"c\"); }"),
            "t.cfg:1:9: too many arguments for 'rec': 3 given, at most 2");
}

TEST(CompileErrors, ArgumentTypes) {
  EXPECT_EQ(Err("route { ret(\"abc\"); }"),
            "t.cfg:1:13: argument 1 of 'ret' must be an integer, got \"abc\"");
  EXPECT_EQ(Err("route { put(\"plain\", \"x\"); }"),
            "t.cfg:1:13: argument 1 of 'put' must be a writable pseudo-variable");
  EXPECT_EQ(Err("route { put($Ts, \"x\"); }"),
            "t.cfg:1:13: argument 1 of 'put' must be a writable pseudo-variable, $Ts is read-only");
  EXPECT_EQ(Err("route { const_int($var(x)); }"),
            "t.cfg:1:19: argument 1 of 'const_int' must be a constant");
  EXPECT_EQ(Err("route { const_int(5000); }"), "t.cfg:1:19: argument 1 of 'const_int' too big");
  EXPECT_EQ(Err("route { setflag(64); }"),
            "t.cfg:1:17: argument 1 of 'setflag' flag must be 0..63");
  EXPECT_NE(Err("route { rematch(\"(\", \"x\"); }")
                .find("t.cfg:1:17: argument 1 of 'rematch' is a bad regular expression"),
            std::string::npos);
}

TEST(CompileErrors, RouteMask) {
  EXPECT_EQ(Err("route { reply_only(); }"),
            "t.cfg:1:9: function 'reply_only' cannot be used in request_route");
  // allowed in onreply_route, and in a sub-route reached only from there
  auto st = std::make_shared<testing::FakeState>();
  auto reg = testing::MakeRegistry(st);
  std::string err;
  EXPECT_NE(testing::Build("onreply_route { route(r); } route[r] { reply_only(); }", *reg, &err),
            nullptr)
      << err;
  // a sub-route reached from both: error names the request route
  EXPECT_EQ(Err("route { route(r); }\nonreply_route { route(r); }\nroute[r] {\n reply_only(); }"),
            "t.cfg:4:2: function 'reply_only' cannot be used in request_route (route[r] is reached "
            "from it)");
}

TEST(CompileErrors, UnknownRoutesAndPvs) {
  EXPECT_EQ(Err("route { route(nowhere); }"), "t.cfg:1:9: unknown route 'nowhere' in route()");
  EXPECT_EQ(Err("route { on_failure(\"x\"); }"),
            "t.cfg:1:20: argument 1 of 'on_failure' refers to unknown failure_route[x]");
  EXPECT_EQ(Err("route { $foo = 1; }"), "t.cfg:1:9: unknown pseudo-variable '$foo'");
  EXPECT_EQ(Err("route { rec(\"x $bar y\"); }"),
            "t.cfg:1:13: argument 1 of 'rec' unknown pseudo-variable '$bar'");
  EXPECT_EQ(Err("route { $var(x) = $(var(y){s.nope}); }"),
            "t.cfg:1:19: unknown transformation 's.nope'");
  EXPECT_EQ(Err("route { $var(x) = $(var(y){s.select,1}); }"),
            "t.cfg:1:19: transformation 's.select' takes 2 parameter(s), got 1");
  EXPECT_EQ(Err("route { $Ts = 1; }"), "t.cfg:1:9: cannot assign to read-only pseudo-variable $Ts");
  EXPECT_EQ(Err("route { async(slow(1), nores); }"),
            "t.cfg:1:9: unknown resume route 'nores' in async()");
  EXPECT_EQ(Err("route[a] { exit; }\nroute[a] { exit; }"),
            "t.cfg:2:6: route[a] redefined (first defined at t.cfg:1:6)");
}

TEST(CompileErrors, AllErrorsReported) {
  EXPECT_EQ(Err("route {\n nosuch();\n $foo = 1;\n ret(\"x\");\n}"),
            "t.cfg:2:2: unknown function 'nosuch'\n"
            "t.cfg:3:2: unknown pseudo-variable '$foo'\n"
            "t.cfg:4:6: argument 1 of 'ret' must be an integer, got \"x\"");
}

TEST(CompileErrors, NoMainRouteIsFine) {
  auto st = std::make_shared<testing::FakeState>();
  auto reg = testing::MakeRegistry(st);
  std::string err;
  auto e = testing::Build("route[hep] { exit; }", *reg, &err);
  ASSERT_NE(e, nullptr) << err;
  EXPECT_FALSE(e->HasRoute(kRequestRoute, ""));
}

}  // namespace
}  // namespace sipcapd
