// test_module: registers one of each export kind, so the loader, the
// compiler and the runtime can be exercised end to end by black-box tests.
// Not installed; built into build/test/modules.
#include <cjson/cJSON.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "core/module/module_api.h"
#include "test/modules/test_module/test_listener.h"

namespace sipcapd::testmod {
namespace {

struct TestApi {
  int (*answer)() = [] { return 42; };
};

struct State {
  int64_t int_param = 7;
  std::string str_param = "default";
  std::vector<std::string> multi;
  int64_t fail_init = 0;
  std::string destroy_marker;
  Stat calls, worker_inits, received;
  TestApi api;
  Registrar* reg = nullptr;
  std::mutex file_mu;
};

int AppendFile(State* st, const std::string& path, const std::string& text) {
  std::lock_guard<std::mutex> g(st->file_mu);
  std::ofstream f(path, std::ios::app);
  f << text;
  return f ? 1 : -1;
}

ModuleExports* Create() {
  auto st = std::make_shared<State>();
  State* s = st.get();
  auto* e = new ModuleExports;
  e->name = "test_module";
  e->state = st;

  e->params = {
      IntParam("int_param", &s->int_param),
      StrParam("str_param", &s->str_param),
      {"multi", ParamType::kStr, true,
       [s](const Value& v) {
         s->multi.push_back(v.str_value());
         return Status::Ok();
       }},
      IntParam("fail_init", &s->fail_init),
      StrParam("destroy_marker", &s->destroy_marker),
  };

  e->functions = {
      {"test_ok",
       {},
       kAllRoutes,
       [s](MsgContext&, const CallArgs&) {
         s->calls.Inc();
         return 1;
       }},
      {"test_ret",
       {{ArgType::kInt}},
       kAllRoutes,
       [s](MsgContext&, const CallArgs& a) {
         s->calls.Inc();
         int64_t v = 0;
         return a.GetInt(0, &v) ? static_cast<int>(v) : -1;
       }},
      {"test_write",
       {{ArgType::kStr}, {ArgType::kStr}},
       kAllRoutes,
       [s](MsgContext&, const CallArgs& a) {
         s->calls.Inc();
         return AppendFile(s, a.Str(0), a.Str(1));
       }},
      {"test_set",
       {{ArgType::kVar}, {ArgType::kStr, true}},
       kAllRoutes,
       [s](MsgContext& ctx, const CallArgs& a) {
         s->calls.Inc();
         Value v = a.Has(1) ? Value::Str(a.Str(1)) : Value::Int(s->int_param);
         return a.Var(0)->Set(ctx, v).ok() ? 1 : -1;
       }},
      {"test_multi_count",
       {},
       kAllRoutes,
       [s](MsgContext&, const CallArgs&) { return static_cast<int>(s->multi.size()); }},
      {"test_fixed",
       {{ArgType::kStr, false,
         [](const Value& v, std::any& out) -> Status {
           if (v.str_value() != "alpha" && v.str_value() != "beta")
             return Status::Invalid("expected alpha or beta");
           out = v.str_value() == "alpha" ? 1 : 2;
           return Status::Ok();
         },
         true}},
       kAllRoutes,
       [](MsgContext&, const CallArgs& a) {
         const int* v = a.FixedAs<int>(0);
         return v ? *v : -1;
       }},
      {"test_reply_only", {}, kOnReplyRoute, [](MsgContext&, const CallArgs&) { return 1; }},
      {"test_async",
       {{ArgType::kInt}},
       kRequestRoute | kTimerRoute | kStartupRoute,
       [](MsgContext&, const CallArgs& a) {
         int64_t v = 0;
         a.GetInt(0, &v);
         return static_cast<int>(v);
       },
       [](MsgContext&, const CallArgs& a, AsyncDone done) {
         int64_t v = 0;
         a.GetInt(0, &v);
         std::thread([v, done] {
           usleep(20000);
           done(static_cast<int>(v));
         }).detach();
         return 1;
       }},
  };

  PvExport pv;
  pv.name = "test";
  pv.name_mode = PvExport::NameMode::kRequired;
  pv.parse_name = [](std::string_view n, std::any& out) -> Status {
    if (n != "str" && n != "int" && n != "multi") return Status::Invalid("unknown $test name");
    out = std::string(n);
    return Status::Ok();
  };
  pv.get = [s](MsgContext&, const PvArgs& a) -> Value {
    const auto& n = std::any_cast<const std::string&>(a.parsed);
    if (n == "str") return Value::Str(s->str_param);
    if (n == "int") return Value::Int(s->int_param);
    return Value::Int(static_cast<int64_t>(s->multi.size()));
  };
  pv.set = [s](MsgContext&, const PvArgs& a, const Value& v, bool) -> Status {
    const auto& n = std::any_cast<const std::string&>(a.parsed);
    if (n != "str") return Status::Invalid("read-only");
    s->str_param = v.AsString();
    return Status::Ok();
  };
  e->pvs = {pv};

  e->mi = {{"test_mi", "echoes its parameters", [s](const MiParams& p) {
              cJSON* o = cJSON_CreateObject();
              cJSON_AddNumberToObject(o, "calls", static_cast<double>(s->calls.Get()));
              cJSON* arr = cJSON_AddArrayToObject(o, "params");
              for (const auto& v : p.positional)
                cJSON_AddItemToArray(arr, cJSON_CreateString(v.c_str()));
              return MiResult::Ok(JsonPtr(o));
            }}};

  e->stats = {{"calls", &s->calls},
              {"worker_inits", &s->worker_inits, kStatNoReset},
              {"received", &s->received}};

  e->transports = {{"test_udp", 0, [s](const ListenSpec& spec, Registrar& reg) {
                      return MakeTestListener(spec, reg, &s->received);
                    }}};

  e->procs = {{"ticker", 1, [](int, const std::atomic<bool>& stop) {
                 while (!stop.load()) usleep(20000);
               }}};

  e->init = [s](Registrar& reg) -> Status {
    if (s->fail_init) return Status::Internal("fail_init is set");
    s->reg = &reg;
    return reg.PublishService("TestApi/1", &s->api);
  };
  e->worker_init = [s](const WorkerInfo&) -> Status {
    s->worker_inits.Inc();
    return Status::Ok();
  };
  e->destroy = [s] {
    if (!s->destroy_marker.empty()) AppendFile(s, s->destroy_marker, "destroyed\n");
  };
  return e;
}

}  // namespace
}  // namespace sipcapd::testmod

SIPCAPD_MODULE("test_module", &sipcapd::testmod::Create);
