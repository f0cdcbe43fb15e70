#include "core/script/engine.h"

#include <gtest/gtest.h>

#include "test/unit/core/script/script_test_util.h"

namespace sipcapd {
namespace {

using testing::Build;
using testing::FakeState;
using testing::MakeRegistry;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    st_ = std::make_shared<FakeState>();
    reg_ = MakeRegistry(st_);
    ASSERT_NE(reg_, nullptr);
    ctx_.vars = &vars_;
  }
  // Compiles `cfg` (must succeed) and runs the main route.
  ScriptRunner::Outcome Run(const std::string& cfg) {
    std::string err;
    eng_ = Build(cfg, *reg_, &err);
    EXPECT_NE(eng_, nullptr) << err;
    if (!eng_) return {};
    return eng_->RunRoute(kRequestRoute, "", ctx_);
  }
  std::string CompileError(const std::string& cfg) {
    std::string err;
    auto e = Build(cfg, *reg_, &err);
    EXPECT_EQ(e, nullptr);
    return err;
  }
  std::shared_ptr<FakeState> st_;
  std::unique_ptr<Registry> reg_;
  std::unique_ptr<Engine> eng_;
  VarStore vars_;
  MsgContext ctx_;
};

TEST_F(EngineTest, TruthRules) {
  Run(R"cfg(route {
    if (ret(1)) rec("a");
    if (ret(-1)) rec("b"); else rec("c");
    if (!ret(-2)) rec("d");
    if ($var(nope)) rec("e");
    $var(s) = "";
    if ($var(s)) rec("f");
    $var(s) = "x";
    if ($var(s)) rec("g");
    $var(i) = 0;
    if ($var(i)) rec("h");
  })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"ret(1)", "a", "ret(-1)", "c", "ret(-2)", "d", "g"}));
}

TEST_F(EngineTest, ZeroStopsScriptInsideExpression) {
  auto o = Run(R"cfg(route { if (ret(-1) || ret(0)) rec("x"); rec("y"); })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"ret(-1)", "ret(0)"}));
  EXPECT_TRUE(o.exited);
}

TEST_F(EngineTest, ExitDropReturn) {
  auto o = Run("route { rec(\"a\"); exit; rec(\"b\"); }");
  EXPECT_TRUE(o.exited);
  EXPECT_FALSE(o.dropped);
  EXPECT_EQ(st_->calls.size(), 1u);
  o = Run("route { drop; }");
  EXPECT_TRUE(o.dropped);
  o = Run("route { return(-3); }");
  EXPECT_EQ(o.ret, -3);
  EXPECT_FALSE(o.exited);
  o = Run("route { return 5; }");
  EXPECT_EQ(o.ret, 5);
  o = Run("route { rec(\"z\"); }");
  EXPECT_EQ(o.ret, 1);
}

TEST_F(EngineTest, RouteCallsAndRetcode) {
  Run(R"cfg(route {
    route(sub);
    rec("rc=$rc");
    if (route(neg)) rec("neg-true"); else rec("neg-false $retcode");
    $var(v) = route(sub) + 1;
    rec("v=$var(v)");
    route(ex);
    rec("not reached");
  }
  route[sub] { return(4); }
  route[neg] { return(-2); }
  route[ex] { exit; })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"rc=4", "neg-false -2", "v=5"}));
}

TEST_F(EngineTest, RetcodeAfterFunction) {
  Run(R"cfg(route { ret(-7); rec("$rc $retcode"); })cfg");
  EXPECT_EQ(st_->calls.back(), "-7 -7");
}

}  // namespace
}  // namespace sipcapd
