// cfgutils through the real module: loaded with the core's ModuleLoader from
// build/modules, functions called with constant arguments.
// depends: cfgutils
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "core/app/module_loader.h"

namespace sipcapd {
namespace {

class ConstArgs : public CallArgs {
 public:
  explicit ConstArgs(std::vector<Value> v) : v_(std::move(v)) {}
  size_t size() const override { return v_.size(); }
  bool Has(size_t i) const override { return i < v_.size(); }
  bool GetInt(size_t i, int64_t* out) const override {
    auto x = v_[i].AsInt();
    if (!x) return false;
    *out = *x;
    return true;
  }
  std::string Str(size_t i) const override { return v_[i].AsString(); }
  Value Get(size_t i) const override { return v_[i]; }
  const PvHandle* Var(size_t) const override { return nullptr; }
  const std::regex* Regex(size_t) const override { return nullptr; }
  const std::any* Fixed(size_t) const override { return nullptr; }

 private:
  std::vector<Value> v_;
};

class NullRegistrar : public Registrar {
 public:
  const std::string& module_name() const override { return name_; }
  StatsRegistry& stats() override { return stats_; }
  const CoreConfig& config() const override { return cfg_; }
  ScriptRunner& script() override { std::abort(); }
  Timers& timers() override { std::abort(); }
  Status PublishService(const std::string&, void*) override { return Status::Ok(); }
  void* FindService(const std::string&) override { return nullptr; }
  VarStore* WorkerVars() override { return &vars_; }

 private:
  std::string name_ = "cfgutils";
  StatsRegistry stats_;
  CoreConfig cfg_;
  VarStore vars_;
};

class CfgutilsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("SIPCAPD_MODULE_DIR");
    ASSERT_NE(dir, nullptr);
    loader_.set_mpath(dir);
    auto m = loader_.Load("cfgutils.so");
    ASSERT_TRUE(m.ok()) << m.status().message();
  }
  void Init() {
    ASSERT_TRUE(loader_.InitAll([this](LoadedModule&) -> Registrar& { return reg_; }).ok());
  }
  int Call(const char* name, std::vector<Value> args) {
    const FunctionExport* f = registry_.FindFunction(name);
    EXPECT_NE(f, nullptr) << name;
    if (!f) return -100;
    ConstArgs a(std::move(args));
    return f->fn(ctx_, a);
  }
  Registry registry_;
  ModuleLoader loader_{&registry_};
  NullRegistrar reg_;
  MsgContext ctx_;
};

TEST_F(CfgutilsTest, ProbabilityDrivesRandEvent) {
  ASSERT_TRUE(loader_.SetParam("cfgutils", "initial_probability", Value::Int(0)).ok());
  Init();
  EXPECT_EQ(Call("rand_get_prob", {}), -1) << "0 % is reported as false";
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Call("rand_event", {}), -1);
  EXPECT_EQ(Call("rand_set_prob", {Value::Int(100)}), 1);
  EXPECT_EQ(Call("rand_get_prob", {}), 100);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Call("rand_event", {}), 1);
  EXPECT_EQ(Call("rand_set_prob", {Value::Int(101)}), -1);
  EXPECT_EQ(Call("rand_reset_prob", {}), 1);
  EXPECT_EQ(Call("rand_get_prob", {}), -1);
}

TEST_F(CfgutilsTest, BadInitialProbabilityFailsInit) {
  ASSERT_TRUE(loader_.SetParam("cfgutils", "initial_probability", Value::Int(150)).ok());
  EXPECT_FALSE(loader_.InitAll([this](LoadedModule&) -> Registrar& { return reg_; }).ok());
}

TEST_F(CfgutilsTest, SleepAndUsleepWaitAndRejectBadValues) {
  Init();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("usleep", {Value::Int(20000)}), 1);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_GE(ms.count(), 19);
  EXPECT_EQ(Call("usleep", {Value::Int(-5)}), -1);
  EXPECT_EQ(Call("sleep", {Value::Str("x")}), -1);
  EXPECT_EQ(Call("sleep", {Value::Int(0)}), 1);
}

TEST_F(CfgutilsTest, CheckTimeWindows) {
  Init();
  time_t now = time(nullptr);
  tm lt;
  localtime_r(&now, &lt);
  char cur[8], next[8];
  snprintf(cur, sizeof cur, "%02d:%02d", lt.tm_hour, lt.tm_min);
  int n = (lt.tm_hour * 60 + lt.tm_min + 2) % 1440;
  snprintf(next, sizeof next, "%02d:%02d", n / 60, n % 60);
  EXPECT_EQ(Call("check_time", {Value::Str(cur), Value::Str(next)}), 1) << cur << "-" << next;
  EXPECT_EQ(Call("check_time", {Value::Str(next), Value::Str(cur)}), -1)
      << "wrapping window excludes now";
  EXPECT_EQ(Call("check_time", {Value::Str("25:00"), Value::Str("01:00")}), -1);
  EXPECT_EQ(Call("check_time", {Value::Str("noon"), Value::Str("01:00")}), -1);
}

}  // namespace
}  // namespace sipcapd
