#include "core/script/engine.h"

#include "core/script/interp.h"
#include "core/script/program.h"

namespace sipcapd {

Engine::Engine(std::unique_ptr<script::Program> prog) : prog_(std::move(prog)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Compile(const cfg::Script& script,
                                                const Registry& registry) {
  auto prog = script::CompileProgram(script, registry);
  if (!prog.ok()) return prog.status();
  return std::unique_ptr<Engine>(new Engine(std::move(prog).value()));
}

bool Engine::HasRoute(uint32_t type, std::string_view name) const {
  return prog_->Find(type, name) != nullptr;
}

ScriptRunner::Outcome Engine::RunRoute(uint32_t type, std::string_view name, MsgContext& ctx) {
  const script::CRoute* r = prog_->Find(type, name);
  if (!r) {
    Outcome o;
    o.ret = -1;
    return o;
  }
  return script::RunCompiledRoute(*r, type, ctx);
}

void Engine::ReceiveSip(MsgContext& ctx) {
  if (ctx.buf.compare(0, 8, "SIP/2.0 ") == 0) {
    RunRoute(kOnReplyRoute, "", ctx);
  } else {
    RunRoute(kRequestRoute, "", ctx);
  }
}

std::vector<std::pair<std::string, int>> Engine::TimerRoutes() const {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& r : prog_->routes)
    if (r->type == kTimerRoute) out.emplace_back(r->name, r->timer_interval);
  return out;
}

std::vector<std::string> Engine::EventRoutes() const {
  std::vector<std::string> out;
  for (const auto& r : prog_->routes)
    if (r->type == kEventRoute) out.push_back(r->name);
  return out;
}

}  // namespace sipcapd
