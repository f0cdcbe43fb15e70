// TimerThread: one thread running periodic callbacks (module timers and
// timer_route blocks). Callbacks must be short; a slow one delays the rest.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/module/module_api.h"

namespace sipcapd {

class TimerThread : public Timers {
 public:
  TimerThread() = default;
  ~TimerThread() override { Stop(); }

  void Every(std::string name, std::chrono::milliseconds period, std::function<void()> fn) override;
  // Starts the thread; `on_start` runs first on it (per-thread init).
  void Start(std::function<void()> on_start);
  void Stop();
  size_t size() const;

 private:
  struct Entry {
    std::string name;
    std::chrono::milliseconds period;
    std::function<void()> fn;
    std::chrono::steady_clock::time_point due;
  };
  void Run(std::function<void()> on_start);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> entries_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sipcapd
