#include "core/app/server.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "core/base/log.h"
#include "core/base/thread_name.h"
#include "core/cfg/parser.h"
#include "core/mi/mi_dispatch.h"
#include "core/script/core_exports.h"
#include "core/script/engine.h"

namespace sipcapd {

namespace {
thread_local VarStore t_vars;

// The signals the main thread handles with sigwait() (blocked everywhere):
// SIGTERM/SIGINT shut down, SIGHUP re-opens logs, SIGUSR1 wakes it.
sigset_t ControlSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  return set;
}
}  // namespace

// The Registrar handed to one module: its view of the core.
class Server::ModuleRegistrar : public Registrar {
 public:
  ModuleRegistrar(Server* s, std::string name) : s_(s), name_(std::move(name)) {}
  const std::string& module_name() const override { return name_; }
  StatsRegistry& stats() override { return s_->stats(); }
  const CoreConfig& config() const override { return s_->settings_.core; }
  ScriptRunner& script() override { return *s_->engine_; }
  Timers& timers() override { return s_->timers_; }
  Status PublishService(const std::string& name, void* iface) override {
    return s_->registry_.PublishService(name_, name, iface);
  }
  void* FindService(const std::string& name) override { return s_->registry_.FindService(name); }
  VarStore* WorkerVars() override { return &t_vars; }

 private:
  Server* s_;
  std::string name_;
};

Server::Server() = default;

Server::~Server() { Shutdown(); }

VarStore* Server::ThreadVars() { return &t_vars; }

Status Server::LoadCfg(const std::string& path) {
  auto script = cfg::ParseFile(path);
  if (!script.ok()) return script.status();
  std::string errors;
  auto add_err = [&errors](const cfg::Loc& loc, const std::string& msg) {
    if (!errors.empty()) errors += '\n';
    errors += loc.ToString() + ": " + msg;
  };
  bool modules_failed = false;
  for (const auto& item : script->items) {
    if (const auto* g = std::get_if<cfg::GlobalParam>(&item)) {
      bool ignored = false;
      Status st = ApplyGlobal(&settings_, g->name, g->value, g->raw, &ignored);
      if (!st.ok())
        add_err(g->loc, st.message());
      else if (ignored)
        LOG_NOTICE("core", "%s: global parameter '%s' has no effect in sipcapd, ignored",
                   g->loc.ToString().c_str(), g->name.c_str());
      if (g->name == "mpath") loader_.set_mpath(settings_.core.mpath);
    } else if (const auto* lm = std::get_if<cfg::LoadModule>(&item)) {
      auto m = loader_.Load(lm->path);
      if (!m.ok()) {
        add_err(lm->loc, m.status().message());
        modules_failed = true;
      }
    } else if (const auto* mp = std::get_if<cfg::ModParam>(&item)) {
      Status st = loader_.SetParam(mp->module, mp->param, mp->value);
      if (!st.ok() && !(modules_failed && st.code() == StatusCode::kNotFound))
        add_err(mp->loc, st.message());
    }
  }
  // Listeners: each protocol must be provided by the core or a module.
  for (const auto& l : settings_.core.listens) {
    if (!registry_.FindTransport(l.proto) && !modules_failed)
      errors += std::string(errors.empty() ? "" : "\n") + path + ": listen=" + l.text +
                ": protocol '" + l.proto + "' is not provided by any loaded module" +
                (l.proto.rfind("hep_", 0) == 0 ? " (loadmodule \"proto_hep.so\")" : "");
  }
  if (!errors.empty() && modules_failed) return Status::Invalid(errors);
  auto engine = Engine::Compile(*script, registry_);
  if (!engine.ok()) {
    if (!errors.empty()) errors += '\n';
    errors += engine.status().message();
  } else {
    engine_ = std::move(engine).value();
  }
  if (!errors.empty()) return Status::Invalid(errors);
  return Status::Ok();
}

Status Server::Load(const ServerOptions& opts) {
  opts_ = opts;
  start_time_ = std::chrono::system_clock::now();
  SIPCAPD_RETURN_IF_ERROR(RegisterCoreExports(registry_));
  SIPCAPD_RETURN_IF_ERROR(RegisterCoreHooks());
  SIPCAPD_RETURN_IF_ERROR(LoadCfg(opts.cfg_path));
  if (settings_.core.work_dir.empty()) settings_.core.work_dir = "/var/tmp/sipcapd";
  int lvl = settings_.log_level + opts.debug_inc;
  if (opts.debug_inc || settings_.log_level_set) Log::set_level(lvl);
  Log::SetName(settings_.log_name);
  Log::UseStderr(opts.log_stderr || settings_.log_stderror || settings_.debug_mode);
  return Status::Ok();
}

void Server::StartThread(const std::string& role, int rank, const std::string& os_name,
                         std::function<void()> body) {
  Thread th;
  th.role = role;
  th.rank = rank;
  th.tid = std::make_shared<std::atomic<int>>(0);
  th.t = std::thread([this, role, rank, os_name, tid = th.tid, body = std::move(body)] {
    SetThreadName(os_name);
    tid->store(static_cast<int>(gettid()));
    Status st = loader_.WorkerInitAll(WorkerInfo{rank, role});
    if (!st.ok()) {
      LOG_ERR("core", "%s: %s; shutting down", role.c_str(), st.message().c_str());
      RequestShutdown();
      return;
    }
    body();
  });
  threads_.push_back(std::move(th));
}

Status Server::Start() {
  main_thread_ = pthread_self();
  // Block the signals every thread inherits; the main thread sigwait()s.
  sigset_t set = ControlSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  for (auto& m : loader_.modules())
    registrars_.push_back(std::make_unique<ModuleRegistrar>(this, m->name));
  size_t idx = 0;
  std::map<std::string, ModuleRegistrar*> by_name;
  for (auto& m : loader_.modules()) by_name[m->name] = registrars_[idx++].get();
  SIPCAPD_RETURN_IF_ERROR(
      loader_.InitAll([&by_name](LoadedModule& m) -> Registrar& { return *by_name[m.name]; }));
  // Statistics exported in module tables.
  for (auto& m : loader_.modules())
    for (const auto& s : m->exports->stats)
      if (s.stat) (void)stats().Register(m->name, s.name, s.stat, s.flags);

  // Listeners.
  for (const auto& spec : settings_.core.listens) {
    const TransportExport* t = registry_.FindTransport(spec.proto);
    if (!t) return Status::NotFound("no transport for listen=" + spec.text);
    ListenSpec s = spec;
    if (s.port == 0) {
      // The global `port` is the default of the SIP protocols; others
      // (hep_udp ...) use their transport's own default.
      static const char* kSip[] = {"udp", "tcp", "tls", "sctp", "ws", "wss"};
      bool sip = false;
      for (const char* p : kSip) sip = sip || spec.proto == p;
      s.port = sip ? static_cast<uint16_t>(settings_.default_port) : t->default_port;
    }
    if (s.children < 0)
      s.children = (spec.proto.find("tcp") != std::string::npos ||
                    spec.proto.find("tls") != std::string::npos)
                       ? settings_.core.tcp_children
                       : settings_.core.children;
    ModuleRegistrar* owner = nullptr;
    for (auto& m : loader_.modules())
      for (const auto& te : m->exports->transports)
        if (te.proto == spec.proto) owner = by_name[m->name];
    if (!owner) return Status::NotFound("no module owns transport " + spec.proto);
    auto l = t->create(s, *owner);
    if (!l.ok()) return Status::Invalid("listen=" + spec.text + ": " + l.status().message());
    Status st = (*l)->Open();
    if (!st.ok()) return Status::Unavailable("listen=" + spec.text + ": " + st.message());
    LOG_INFO("core", "listening on %s", (*l)->Name().c_str());
    listeners_.push_back({std::move(l).value(), spec.proto});
  }
  registry_.Freeze();

  // startup_route runs once, before any message is processed.
  if (engine_->HasRoute(kStartupRoute, "")) {
    MsgContext ctx;
    ctx.route_type = kStartupRoute;
    ctx.vars = &t_vars;
    engine_->RunRoute(kStartupRoute, "", ctx);
  }
  // timer_route blocks.
  for (const auto& [name, secs] : engine_->TimerRoutes()) {
    std::string n = name;
    timers_.Every("timer_route:" + n, std::chrono::seconds(secs), [this, n] {
      MsgContext ctx;
      ctx.route_type = kTimerRoute;
      ctx.vars = &t_vars;
      engine_->RunRoute(kTimerRoute, n, ctx);
    });
  }
  timers_.Start([this] {
    SetThreadName("timer");
    timer_tid_.store(static_cast<int>(gettid()));
    Status st = loader_.WorkerInitAll(WorkerInfo{-1, "timer"});
    if (!st.ok()) LOG_ERR("core", "timer: %s", st.message().c_str());
  });

  int rank = 1;
  for (auto& ol : listeners_) {
    Listener* lp = ol.listener.get();
    for (int i = 0; i < lp->Workers(); ++i)
      StartThread(lp->Name() + " #" + std::to_string(i + 1), rank++, ThreadName(ol.proto, i + 1),
                  [this, lp, i] { lp->Serve(i, stop_); });
  }
  for (auto& m : loader_.modules())
    for (const auto& p : m->exports->procs)
      for (int i = 0; i < p.count; ++i) {
        auto run = p.run;
        StartThread(m->name + ":" + p.name + " #" + std::to_string(i + 1), -2,
                    ThreadName(p.name, i + 1), [this, run, i] { run(i, stop_); });
      }

  if (!opts_.pid_file.empty()) {
    std::ofstream f(opts_.pid_file);
    f << getpid() << "\n";
    if (!f) LOG_WARN("core", "cannot write pid file %s", opts_.pid_file.c_str());
  }
  started_ = true;
  LOG_NOTICE("core", "sipcapd %s started: %zu listener(s), %zu thread(s)", SIPCAPD_VERSION,
             listeners_.size(), threads_.size());
  return Status::Ok();
}

void Server::RequestShutdown() {
  stop_ = true;
  if (main_thread_) pthread_kill(main_thread_, SIGUSR1);
}

void Server::WaitForSignal() {
  sigset_t set = ControlSignals();
  while (!stop_) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Log::Reopen();
      LOG_NOTICE("core", "SIGHUP: logs re-opened");
      continue;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      LOG_NOTICE("core", "signal %d received, shutting down", sig);
      break;
    }
  }
  stop_ = true;
}

void Server::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop_ = true;
  for (auto& ol : listeners_) ol.listener->Shutdown();
  for (auto& th : threads_)
    if (th.t.joinable()) th.t.join();
  threads_.clear();
  timers_.Stop();
  loader_.DestroyAll();
  listeners_.clear();
  if (started_ && !opts_.pid_file.empty()) unlink(opts_.pid_file.c_str());
  if (started_) LOG_NOTICE("core", "shutdown complete");
}

std::vector<std::pair<int, std::string>> Server::Processes() const {
  std::vector<std::pair<int, std::string>> v;
  // (kernel thread id, description); the main thread's id is the pid.
  v.emplace_back(static_cast<int>(getpid()), "main");
  v.emplace_back(timer_tid_.load(), "timer");
  for (const auto& th : threads_) v.emplace_back(th.tid->load(), th.role);
  return v;
}

}  // namespace sipcapd
