// Helpers shared by the script engine tests: a Registry with the core
// exports plus a few fake module functions, and a one-call runner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/cfg/parser.h"
#include "core/module/registry.h"
#include "core/script/core_exports.h"
#include "core/script/engine.h"

namespace sipcapd::testing {

// Fake module functions recording what they saw.
struct FakeState {
  std::vector<std::string> calls;
  std::vector<AsyncDone> pending;
};

inline std::unique_ptr<Registry> MakeRegistry(std::shared_ptr<FakeState> st) {
  auto reg = std::make_unique<Registry>();
  Status s = RegisterCoreExports(*reg);
  if (!s.ok()) return nullptr;
  ArgSpec str;
  ArgSpec ostr;
  ostr.optional = true;
  ArgSpec in;
  in.type = ArgType::kInt;
  ArgSpec var;
  var.type = ArgType::kVar;
  // ret(n): returns n
  (void)reg->AddFunction("test", {"ret",
                                  {in},
                                  kAllRoutes,
                                  [st](MsgContext&, const CallArgs& a) {
                                    int64_t n = 0;
                                    a.GetInt(0, &n);
                                    st->calls.push_back("ret(" + std::to_string(n) + ")");
                                    return static_cast<int>(n);
                                  },
                                  nullptr});
  // rec(s[, s2]): records the formatted strings, returns 1
  (void)reg->AddFunction("test", {"rec",
                                  {str, ostr},
                                  kAllRoutes,
                                  [st](MsgContext&, const CallArgs& a) {
                                    std::string s = a.Str(0);
                                    if (a.Has(1)) s += "|" + a.Str(1);
                                    st->calls.push_back(s);
                                    return 1;
                                  },
                                  nullptr});
  // put(var, s): stores s into the var
  (void)reg->AddFunction("test", {"put",
                                  {var, str},
                                  kAllRoutes,
                                  [st](MsgContext& ctx, const CallArgs& a) {
                                    Status r = a.Var(0)->Set(ctx, Value::Str(a.Str(1)));
                                    return r.ok() ? 1 : -1;
                                  },
                                  nullptr});
  // reply_only(): only allowed in onreply_route
  (void)reg->AddFunction(
      "test",
      {"reply_only", {}, kOnReplyRoute, [](MsgContext&, const CallArgs&) { return 1; }, nullptr});
  // const_int(n): const-only int with a fixup doubling it
  ArgSpec ci;
  ci.type = ArgType::kInt;
  ci.const_only = true;
  ci.fixup = [](const Value& v, std::any& out) {
    if (v.int_value() > 1000) return Status::Invalid("too big");
    out = static_cast<int>(v.int_value() * 2);
    return Status::Ok();
  };
  (void)reg->AddFunction("test",
                         {"const_int",
                          {ci},
                          kAllRoutes,
                          [st](MsgContext&, const CallArgs& a) {
                            st->calls.push_back("fixed=" + std::to_string(*a.FixedAs<int>(0)));
                            return 1;
                          },
                          nullptr});
  ArgSpec re;
  re.type = ArgType::kRegex;
  (void)reg->AddFunction("test", {"rematch",
                                  {re, str},
                                  kAllRoutes,
                                  [](MsgContext&, const CallArgs& a) {
                                    const std::regex* r = a.Regex(0);
                                    return r && std::regex_search(a.Str(1), *r) ? 1 : -1;
                                  },
                                  nullptr});
  ArgSpec rt;
  rt.type = ArgType::kRoute;
  rt.route_kind = kFailureRoute;
  (void)reg->AddFunction(
      "test",
      {"on_failure", {rt}, kRequestRoute, [](MsgContext&, const CallArgs&) { return 1; }, nullptr});
  // slow(n): async; completes later via st->pending with rc n
  FunctionExport slow{"slow",
                      {in},
                      kAllRoutes,
                      [st](MsgContext&, const CallArgs&) {
                        st->calls.push_back("slow-sync");
                        return 7;
                      },
                      nullptr};
  slow.async_fn = [st](MsgContext&, const CallArgs& a, AsyncDone done) {
    int64_t n = 0;
    a.GetInt(0, &n);
    st->calls.push_back("slow-start");
    st->pending.push_back([done, n](int) { done(static_cast<int>(n)); });
    return 1;
  };
  (void)reg->AddFunction("test", slow);
  FunctionExport syncslow{"syncslow",
                          {in},
                          kAllRoutes,
                          [st](MsgContext&, const CallArgs& a) {
                            int64_t n = 0;
                            a.GetInt(0, &n);
                            st->calls.push_back("syncslow");
                            return static_cast<int>(n);
                          },
                          nullptr};
  (void)reg->AddFunction("test", syncslow);
  return reg;
}

// Parses + compiles; on failure returns null and puts the message in *err.
inline std::unique_ptr<Engine> Build(const std::string& text, const Registry& reg,
                                     std::string* err) {
  auto s = cfg::ParseString(text, "t.cfg");
  if (!s.ok()) {
    *err = s.status().message();
    return nullptr;
  }
  auto e = Engine::Compile(*s, reg);
  if (!e.ok()) {
    *err = e.status().message();
    return nullptr;
  }
  return std::move(e).value();
}

}  // namespace sipcapd::testing
