// The reference scripts (test/data/cfg) compile against a registry with the
// core exports plus stand-ins for the module functions and SIP PVs they use,
// and a run of the capture node's STORE route picks the right table.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/cfg/parser.h"
#include "core/module/registry.h"
#include "core/script/core_exports.h"
#include "core/script/engine.h"

namespace sipcapd {
namespace {

std::string DataDir() {
  const char* src = std::getenv("SIPCAPD_SOURCE_DIR");
  std::string f = __FILE__;
  return (src ? std::string(src) : f.substr(0, f.find("/test/unit/"))) + "/test/data/cfg/";
}

struct Stubs {
  std::vector<std::string> calls;
  std::map<std::string, Value> pvs;  // "$rm" -> value
};

std::unique_ptr<Registry> StubRegistry(Stubs* s) {
  auto reg = std::make_unique<Registry>();
  EXPECT_TRUE(RegisterCoreExports(*reg).ok());
  ArgSpec any;
  any.type = ArgType::kAny;
  any.optional = true;
  for (const char* f :
       {"hep_get", "hep_set", "hep_del", "hep_relay", "hep_resume_sip", "sip_capture",
        "report_capture", "sip_trace", "has_totag", "is_method", "rest_get", "is_present_hf"}) {
    FunctionExport fe{f,
                      {any, any, any, any},
                      kAllRoutes,
                      [s, name = std::string(f)](MsgContext&, const CallArgs& a) {
                        std::string c = name;
                        for (size_t i = 0; i < a.size(); ++i) c += " " + a.Get(i).AsString();
                        s->calls.push_back(c);
                        return 1;
                      },
                      nullptr};
    if (std::string(f) == "sip_capture")
      fe.async_fn = [](MsgContext&, const CallArgs&, AsyncDone done) {
        done(1);
        return 1;
      };
    EXPECT_TRUE(reg->AddFunction("stub", fe).ok()) << f;
  }
  for (const char* p :
       {"hep_net", "HEPVERSION", "json", "du", "rm", "si", "rd", "rU", "dU", "hdr"}) {
    PvExport pv;
    pv.name = p;
    pv.name_mode = PvExport::NameMode::kOptional;
    std::string key = std::string("$") + p;
    pv.get = [s, key](MsgContext&, const PvArgs&) { return s->pvs[key]; };
    pv.set = [s, key](MsgContext&, const PvArgs&, const Value& v, bool) {
      s->pvs[key] = v;
      return Status::Ok();
    };
    EXPECT_TRUE(reg->AddPv("stub", pv).ok()) << p;
  }
  return reg;
}

TEST(ReferenceCfg, AllCompile) {
  Stubs s;
  auto reg = StubRegistry(&s);
  for (const char* f :
       {"tracing-node.cfg", "capture-node.cfg", "hep-switch.cfg", "include-main.cfg"}) {
    auto script = cfg::ParseFile(DataDir() + f);
    ASSERT_TRUE(script.ok()) << script.status().message();
    auto eng = Engine::Compile(*script, *reg);
    EXPECT_TRUE(eng.ok()) << f << ": " << eng.status().message();
  }
}

TEST(ReferenceCfg, CaptureStoreRoutePicksTable) {
  Stubs s;
  auto reg = StubRegistry(&s);
  auto script = cfg::ParseFile(DataDir() + "capture-node.cfg");
  ASSERT_TRUE(script.ok());
  auto eng = Engine::Compile(*script, *reg);
  ASSERT_TRUE(eng.ok()) << eng.status().message();
  VarStore vars;
  for (const char* m : {"REGISTER", "BYE", "OPTIONS"}) {
    MsgContext ctx;
    ctx.vars = &vars;
    s.pvs["$rm"] = Value::Str(m);
    (*eng)->RunRoute(kRequestRoute, "STORE", ctx);
  }
  EXPECT_EQ(s.calls, (std::vector<std::string>{"sip_capture sip_capture_registration_%Y%m%d",
                                               "sip_capture sip_capture_call_%Y%m%d",
                                               "sip_capture sip_capture_rest_%Y%m%d"}));
}

TEST(ReferenceCfg, HepSwitchRelaysNonSip) {
  Stubs s;
  auto reg = StubRegistry(&s);
  auto script = cfg::ParseFile(DataDir() + "hep-switch.cfg");
  ASSERT_TRUE(script.ok());
  auto eng = Engine::Compile(*script, *reg);
  ASSERT_TRUE(eng.ok()) << eng.status().message();
  MsgContext ctx;
  VarStore vars;
  ctx.vars = &vars;
  vars["correlation_id"] = Value::Str("abc@example.com");
  auto o = (*eng)->RunRoute(kRequestRoute, "hep_route", ctx);
  EXPECT_FALSE(o.exited);
  EXPECT_EQ(s.pvs["$du"], Value::Str("sip:10.177.88.38:9060"));
  ASSERT_FALSE(s.calls.empty());
  EXPECT_EQ(s.calls.back(), "hep_relay");
}

}  // namespace
}  // namespace sipcapd
