// Loader tests against real shared objects built into build/test/modules.
// depends: test_module bad_abi no_entry dup_func needs_dep
#include "core/app/module_loader.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sipcapd {
namespace {

std::string TestModDir() {
  const char* d = std::getenv("SIPCAPD_TEST_MODULE_DIR");
  return d ? d : "";
}

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(TestModDir().empty()) << "SIPCAPD_TEST_MODULE_DIR not set";
    loader_.set_mpath(TestModDir());
  }
  Registry registry_;
  ModuleLoader loader_{&registry_};
};

class FakeRegistrar : public Registrar {
 public:
  explicit FakeRegistrar(Registry* r) : r_(r) {}
  const std::string& module_name() const override { return name_; }
  StatsRegistry& stats() override { return stats_; }
  const CoreConfig& config() const override { return cfg_; }
  ScriptRunner& script() override { std::abort(); }
  Timers& timers() override { std::abort(); }
  Status PublishService(const std::string& n, void* i) override {
    return r_->PublishService(name_, n, i);
  }
  void* FindService(const std::string& n) override { return r_->FindService(n); }
  VarStore* WorkerVars() override { return &vars_; }
  std::string name_ = "test_module";

 private:
  Registry* r_;
  StatsRegistry stats_;
  CoreConfig cfg_;
  VarStore vars_;
};

TEST_F(LoaderTest, LoadsModuleAndRegistersEveryExportKind) {
  auto m = loader_.Load("test_module.so");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ((*m)->name, "test_module");
  EXPECT_NE(registry_.FindFunction("test_ok"), nullptr);
  EXPECT_NE(registry_.FindFunction("test_async"), nullptr);
  EXPECT_TRUE(registry_.FindFunction("test_async")->async_fn != nullptr);
  EXPECT_NE(registry_.FindPv("test"), nullptr);
  EXPECT_NE(registry_.FindMi("test_mi"), nullptr);
  EXPECT_NE(registry_.FindTransport("test_udp"), nullptr);
  EXPECT_EQ((*m)->exports->stats.size(), 3u);
  EXPECT_EQ((*m)->exports->procs.size(), 1u);
}

TEST_F(LoaderTest, ResolvesNameWithoutSuffixAndAbsolutePath) {
  auto m = loader_.Load("test_module");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ModuleLoader other(&registry_);
  auto again = loader_.Load(TestModDir() + "/test_module.so");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *m) << "same module loaded twice must be skipped";
}

TEST_F(LoaderTest, MissingModuleIsAnError) {
  auto m = loader_.Load("nope.so");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("not found"), std::string::npos);
}

TEST_F(LoaderTest, AbiMismatchReportsBothValues) {
  auto m = loader_.Load("bad_abi.so");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("ABI version 999"), std::string::npos)
      << m.status().message();
  EXPECT_NE(m.status().message().find("needs " + std::to_string(kAbiVersion)), std::string::npos);
}

TEST_F(LoaderTest, MissingEntrySymbol) {
  auto m = loader_.Load("no_entry.so");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("entry symbol"), std::string::npos);
}

TEST_F(LoaderTest, DuplicateFunctionNameRollsBackTheModule) {
  ASSERT_TRUE(loader_.Load("test_module.so").ok());
  auto d = loader_.Load("dup_func.so");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("already registered by test_module"), std::string::npos)
      << d.status().message();
  EXPECT_EQ(loader_.Find("dup_func"), nullptr);
}

TEST_F(LoaderTest, ParamsTypeCheckedAndRepeatable) {
  ASSERT_TRUE(loader_.Load("test_module.so").ok());
  EXPECT_TRUE(loader_.SetParam("test_module", "int_param", Value::Int(3)).ok());
  Status bad = loader_.SetParam("test_module", "int_param", Value::Str("x"));
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("expects integer"), std::string::npos) << bad.message();
  EXPECT_FALSE(loader_.SetParam("test_module", "str_param", Value::Int(1)).ok());
  Status unknown = loader_.SetParam("test_module", "nope", Value::Int(1));
  EXPECT_NE(unknown.message().find("not found"), std::string::npos);
  EXPECT_TRUE(loader_.SetParam("TEST_.*", "multi", Value::Str("a")).ok()) << "regex, no case";
  EXPECT_TRUE(loader_.SetParam("test_module", "multi", Value::Str("b")).ok());
  Status nomod = loader_.SetParam("other", "x", Value::Int(1));
  EXPECT_NE(nomod.message().find("no loaded module"), std::string::npos);
}

TEST_F(LoaderTest, InitFailureRollsBackRegistrations) {
  ASSERT_TRUE(loader_.Load("test_module.so").ok());
  ASSERT_TRUE(loader_.SetParam("test_module", "fail_init", Value::Int(1)).ok());
  FakeRegistrar reg(&registry_);
  Status st = loader_.InitAll([&](LoadedModule&) -> Registrar& { return reg; });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("init of module 'test_module' failed"), std::string::npos);
  EXPECT_EQ(registry_.FindFunction("test_ok"), nullptr);
  EXPECT_EQ(registry_.FindService("TestApi/1"), nullptr);
}

TEST_F(LoaderTest, InitPublishesServiceAndDestroyRuns) {
  ASSERT_TRUE(loader_.Load("test_module.so").ok());
  FakeRegistrar reg(&registry_);
  ASSERT_TRUE(loader_.InitAll([&](LoadedModule&) -> Registrar& { return reg; }).ok());
  EXPECT_NE(registry_.FindService("TestApi/1"), nullptr);
  EXPECT_TRUE(loader_.WorkerInitAll({1, "w"}).ok());
  loader_.DestroyAll();
  loader_.DestroyAll();  // idempotent
}

TEST_F(LoaderTest, MissingDependencyFailsInit) {
  ASSERT_TRUE(loader_.Load("needs_dep.so").ok());
  FakeRegistrar reg(&registry_);
  Status st = loader_.InitAll([&](LoadedModule&) -> Registrar& { return reg; });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("depends on module 'no_such_module'"), std::string::npos);
}

TEST(RegistryTest, FrozenRejectsRegistration) {
  Registry r;
  r.Freeze();
  FunctionExport f{"x", {}, kAllRoutes, [](MsgContext&, const CallArgs&) { return 1; }};
  EXPECT_FALSE(r.AddFunction("core", f).ok());
}

TEST(RegistryTest, MandatoryAfterOptionalRejected) {
  Registry r;
  FunctionExport f{
      "x", {{ArgType::kInt, true}, {ArgType::kInt}}, kAllRoutes, [](MsgContext&, const CallArgs&) {
        return 1;
      }};
  EXPECT_FALSE(r.AddFunction("core", f).ok());
}

}  // namespace
}  // namespace sipcapd
