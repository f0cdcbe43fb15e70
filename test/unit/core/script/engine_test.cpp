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
  EXPECT_EQ(st_->calls,
            (std::vector<std::string>{"ret(1)", "a", "ret(-1)", "c", "ret(-2)", "d", "g"}));
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

namespace sipcapd {
namespace {

using testing::Build;
using testing::FakeState;
using testing::MakeRegistry;

class EngineSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    st_ = std::make_shared<FakeState>();
    reg_ = MakeRegistry(st_);
    ctx_.vars = &vars_;
  }
  ScriptRunner::Outcome Run(const std::string& cfg) {
    std::string err;
    eng_ = Build(cfg, *reg_, &err);
    EXPECT_NE(eng_, nullptr) << err;
    if (!eng_) return {};
    return eng_->RunRoute(kRequestRoute, "", ctx_);
  }
  std::shared_ptr<FakeState> st_;
  std::unique_ptr<Registry> reg_;
  std::unique_ptr<Engine> eng_;
  VarStore vars_;
  MsgContext ctx_;
};

TEST_F(EngineSemanticsTest, SwitchFallThroughAndDefault) {
  const char* cfg = R"cfg(route {
    switch ($var(k)) {
      case "a": rec("A");
      case 2: rec("two"); break;
      case "c": rec("C"); break;
      default: rec("D");
    }
  })cfg";
  vars_["k"] = Value::Str("a");
  Run(cfg);
  vars_["k"] = Value::Int(2);
  Run(cfg);
  vars_["k"] = Value::Str("zz");
  Run(cfg);
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"A", "two", "two", "D"}));
}

TEST_F(EngineSemanticsTest, WhileAndPlusEquals) {
  Run(R"cfg(route {
    $var(i) = 0; $var(s) = "";
    while ($var(i) < 5) { $var(i) += 1; $var(s) += "x"; if ($var(i) == 4) break; }
    $var(j) = 10; $var(j) -= 3;
    rec("$var(i) $var(s) $var(j)");
  })cfg");
  EXPECT_EQ(st_->calls.back(), "4 xxxx 7");
}

TEST_F(EngineSemanticsTest, RunawayLoopIsBounded) {
  auto o = Run(R"cfg(route { $var(n) = 0; while (1) { $var(n) += 1; } rec("$var(n)"); })cfg");
  EXPECT_EQ(st_->calls.back(), std::to_string(Engine::kMaxLoopIterations));
  EXPECT_FALSE(o.exited);
}

TEST_F(EngineSemanticsTest, RecursionIsBounded) {
  auto o = Run(R"cfg(route { route(r); rec("after"); } route[r] { route(r); })cfg");
  EXPECT_TRUE(o.exited);
  EXPECT_TRUE(st_->calls.empty());
}

TEST_F(EngineSemanticsTest, ArithmeticAndStringRules) {
  Run(R"cfg(route {
    $var(a) = 2 + 3 * 4;
    $var(b) = (2 + 3) * 4 % 7;
    $var(c) = "n" + 5;
    $var(d) = 6 & 3 | 8;
    if ("5" == 5) rec("streq");
    if (10 > 9 && "10" > 9) rec("numcmp");
    if ($var(none) == $null) rec("isnull");
    $var(e) = -4 / 2;
    rec("$var(a) $var(b) $var(c) $var(d) $var(e)");
  })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"streq", "numcmp", "isnull", "14 6 n5 10 -2"}));
}

TEST_F(EngineSemanticsTest, RegexMatch) {
  Run(R"cfg(route {
    $var(m) = "INVITE";
    if ($var(m) =~ "^(invite|bye)$") rec("ci");
    if ($var(m) !~ "REG") rec("neg");
    $var(p) = "^IN";
    if ($var(m) =~ $var(p)) rec("dyn");
    if (rematch("^inv", "$var(m)")) rec("arg");
  })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"ci", "neg", "dyn", "arg"}));
}

TEST_F(EngineSemanticsTest, Transformations) {
  Run(R"cfg(route {
    $var(x) = "abc@def@ghi";
    rec("$(var(x){s.select,1,@}) $(var(x){s.select,-1,@}) $(var(x){s.len})");
    $var(n) = "42abc";
    $var(i) = $(var(n){s.int}) + 1;
    rec("$var(i)");
    $var(t) = "  MiXed ";
    rec("[$(var(t){s.trim}{s.tolower})][$(var(t){s.triml})][$(var(t){s.trimr}{s.toupper})]");
    rec("$(var(x){s.substr,4,3}) $(var(x){s.substr,-3,0})");
    $var(h) = "AB";
    rec("$(var(h){s.encode.hexa}) $(var(h){s.hex}{s.decode.hexa})");
    $var(c) = "a,b,c";
    rec("$(var(c){s.select,2,,})");
  })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"def ghi 11", "43", "[mixed][MiXed ][  MIXED]",
                                                  "def ghi", "4142 AB", "c"}));
}

TEST_F(EngineSemanticsTest, AvpStacksAndVarPersistence) {
  Run(R"cfg(route {
    $avp(a) = 1; $avp(a) = 2; $avp(a) = 3;
    rec("$avp(a) $avp(a)[1] $avp(a)[2] $avp(a)[-1]");
    $avp(a) := 9;
    rec("$avp(a) $avp(a)[1]");
    $avp(a) = $null;
    rec("$avp(a)");
    $var(count) += 1;
  })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"3 2 1 1", "9 <null>", "<null>"}));
  // $var persists in the worker's store across messages; AVPs are per message.
  MsgContext ctx2;
  ctx2.vars = &vars_;
  eng_->RunRoute(kRequestRoute, "", ctx2);
  EXPECT_EQ(vars_["count"].AsInt(), 2);
}

TEST_F(EngineSemanticsTest, KVarArgumentsAndFlags) {
  Run(R"cfg(route {
    put("$var(out)", "v=$var(in)");
    put($var(out2), "x");
    setflag(3); if (isflagset(3)) rec("set");
    resetflag(3); if (!isflagset(3)) rec("reset");
    const_int(21);
  })cfg");
  EXPECT_EQ(vars_["out2"].AsString(), "x");
  EXPECT_EQ(vars_["out"].AsString(), "v=<null>");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"set", "reset", "fixed=42"}));
}

TEST_F(EngineSemanticsTest, AsyncResumesLaterOnClone) {
  auto o = Run(R"cfg(route { $avp(k) = "kept"; async(slow(5), resume); rec("not reached"); }
    route[resume] { rec("resumed rc=$rc avp=$avp(k)"); })cfg");
  EXPECT_TRUE(o.exited);
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"slow-start"}));
  ASSERT_EQ(st_->pending.size(), 1u);
  ctx_.avps.clear();  // the original context may be gone; the clone holds the data
  st_->pending[0](0);
  EXPECT_EQ(st_->calls.back(), "resumed rc=5 avp=kept");
}

TEST_F(EngineSemanticsTest, AsyncWithoutAsyncFnRunsResumeAtOnce) {
  Run(R"cfg(route { async(syncslow(3), resume); rec("no"); } route[resume] { rec("rc=$rc"); })cfg");
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"syncslow", "rc=3"}));
}

TEST_F(EngineSemanticsTest, ReceiveSipDispatchesRepliesAndTimers) {
  std::string err;
  eng_ = Build(R"cfg(route { rec("req"); } onreply_route { rec("reply"); }
    timer_route[tick, 5] { rec("t"); } event_route[E_CORE_THRESHOLD] { rec("e"); }
    event_route[E_X, async] { rec("e2"); })cfg",
               *reg_, &err);
  ASSERT_NE(eng_, nullptr) << err;
  ctx_.buf = "SIP/2.0 200 OK\r\n\r\n";
  eng_->ReceiveSip(ctx_);
  ctx_.buf = "INVITE sip:a@b SIP/2.0\r\n\r\n";
  eng_->ReceiveSip(ctx_);
  EXPECT_EQ(st_->calls, (std::vector<std::string>{"reply", "req"}));
  EXPECT_EQ(eng_->TimerRoutes(), (std::vector<std::pair<std::string, int>>{{"tick", 5}}));
  EXPECT_EQ(eng_->EventRoutes(), (std::vector<std::string>{"E_CORE_THRESHOLD", "E_X"}));
  EXPECT_TRUE(eng_->HasRoute(kTimerRoute, "tick"));
  EXPECT_FALSE(eng_->HasRoute(kRequestRoute, "tick"));
  EXPECT_EQ(eng_->RunRoute(kFailureRoute, "nope", ctx_).ret, -1);
}

}  // namespace
}  // namespace sipcapd
