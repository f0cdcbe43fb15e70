#include "core/app/timers.h"

namespace sipcapd {

void TimerThread::Every(std::string name, std::chrono::milliseconds period,
                        std::function<void()> fn) {
  if (period.count() < 1) period = std::chrono::milliseconds(1);
  std::lock_guard<std::mutex> g(mu_);
  entries_.push_back(
      {std::move(name), period, std::move(fn), std::chrono::steady_clock::now() + period});
  cv_.notify_all();
}

size_t TimerThread::size() const {
  std::lock_guard<std::mutex> g(mu_);
  return entries_.size();
}

void TimerThread::Start(std::function<void()> on_start) {
  thread_ = std::thread([this, on_start = std::move(on_start)] { Run(on_start); });
}

void TimerThread::Stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TimerThread::Run(std::function<void()> on_start) {
  if (on_start) on_start();
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::seconds(1);
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].due <= now) {
        entries_[i].due = now + entries_[i].period;
        auto fn = entries_[i].fn;
        lk.unlock();
        fn();
        lk.lock();
        if (stop_) return;
        now = std::chrono::steady_clock::now();
      }
      if (i < entries_.size() && entries_[i].due < next) next = entries_[i].due;
    }
    cv_.wait_until(lk, next, [this] { return stop_; });
  }
}

}  // namespace sipcapd
