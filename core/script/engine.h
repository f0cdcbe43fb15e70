// Engine: the compiled cfg script and its interpreter (the ScriptRunner the
// core and modules use to run routes).
//
// Compile() resolves every name of the script against a Registry once
// (functions, PVs, transformations, routes), checks argument counts/types
// and route types, and fixes up constant arguments; all problems come back
// as one Status with a `file:line:col: message` line per error.
//
// Thread-safety: after Compile() the engine is read-only; RunRoute() and
// ReceiveSip() may be called from any number of threads at once, all
// per-run state lives on the stack and in the MsgContext. The engine must
// outlive every pending async() operation it started.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "core/cfg/ast.h"
#include "core/module/module_api.h"
#include "core/module/registry.h"

namespace sipcapd {

namespace script {
struct Program;
}

class Engine : public ScriptRunner {
 public:
  static Result<std::unique_ptr<Engine>> Compile(const cfg::Script& script,
                                                 const Registry& registry);
  ~Engine() override;

  bool HasRoute(uint32_t type, std::string_view name) const override;
  // Runs a route; sets ctx.route_type. If ctx.vars is null, the calling
  // thread's own fallback $var store is used.
  Outcome RunRoute(uint32_t type, std::string_view name, MsgContext& ctx) override;
  // Replies ("SIP/2.0 " ...) go to onreply_route, the rest to route{}.
  void ReceiveSip(MsgContext& ctx) override;

  // timer_route[name, seconds] blocks, in source order.
  std::vector<std::pair<std::string, int>> TimerRoutes() const;
  // event_route[name] blocks, in source order.
  std::vector<std::string> EventRoutes() const;

  // Bounds that keep a bad script from hanging a worker.
  static constexpr int kMaxRouteDepth = 100;
  static constexpr int kMaxLoopIterations = 100000;

 private:
  explicit Engine(std::unique_ptr<script::Program> prog);
  std::unique_ptr<script::Program> prog_;
};

}  // namespace sipcapd
