// Server: the sipcapd process. Loads a cfg (globals, modules, modparams,
// routes compiled once), initialises modules, opens listeners, runs worker
// threads, the timer thread and module processes, and shuts down in order.
//
// Lifecycle (main thread): Load() -> [CheckOnly stops here] -> Start() ->
// WaitForSignal() -> Shutdown(). Shutdown order: stop flag, listeners
// woken and worker/proc threads joined, timer thread stopped, module
// destroy hooks in reverse init order, pid file removed.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/app/globals.h"
#include "core/app/module_loader.h"
#include "core/app/timers.h"
#include "core/module/registry.h"

namespace sipcapd {

class Engine;
class MiDispatcher;

struct ServerOptions {
  std::string cfg_path;
  bool check_only = false;
  bool foreground = false;
  bool log_stderr = false;
  int debug_inc = 0;
  std::string pid_file;
};

class Server {
 public:
  Server();
  ~Server();

  Status Load(const ServerOptions& opts);
  Status Start();
  // Blocks in sigwait until SIGTERM/SIGINT (returns) or a kill request.
  // SIGHUP re-opens logs.
  void WaitForSignal();
  void Shutdown();
  void RequestShutdown();

  const GlobalSettings& settings() const { return settings_; }
  Registry& registry() { return registry_; }
  Engine* engine() { return engine_.get(); }
  StatsRegistry& stats() { return StatsRegistry::Global(); }
  TimerThread& timers() { return timers_; }
  VarStore* ThreadVars();
  std::vector<std::pair<int, std::string>> Processes() const;

 private:
  class ModuleRegistrar;
  Status LoadCfg(const std::string& path);
  // Core registrations beyond the script's own (SIP PVs, MI): core_hooks.cpp.
  Status RegisterCoreHooks();
  // os_name: the thread's kernel name (core/base/thread_name.h).
  void StartThread(const std::string& role, int rank, const std::string& os_name,
                   std::function<void()> body);

  ServerOptions opts_;
  GlobalSettings settings_;
  Registry registry_;
  ModuleLoader loader_{&registry_};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<MiDispatcher> mi_;
  std::vector<std::unique_ptr<ModuleRegistrar>> registrars_;
  struct OpenListener {
    std::unique_ptr<Listener> listener;
    std::string proto;  // of its listen= line; names its worker threads
  };
  std::vector<OpenListener> listeners_;
  TimerThread timers_;
  std::atomic<bool> stop_{false};
  struct Thread {
    std::string role;
    int rank;
    std::shared_ptr<std::atomic<int>> tid;  // kernel thread id, set by the thread
    std::thread t;
  };
  std::vector<Thread> threads_;
  std::atomic<int> timer_tid_{0};
  std::chrono::system_clock::time_point start_time_;
  bool started_ = false;
  bool shut_down_ = false;
  pthread_t main_thread_{};
};

}  // namespace sipcapd
