// Logging with OpenSIPS levels. One process-wide sink (stderr or syslog),
// configured by the core from `log_level`, `log_stderror`, `log_facility`,
// `log_name` and the -E/-d options. Thread-safe: each line is written with
// one write(2) (stderr) or one syslog(3) call.
#pragma once

#include <atomic>
#include <cstdarg>
#include <string>
#include <string_view>

namespace sipcapd {

// OpenSIPS level numbers (L_ALERT=-3 .. L_DBG=4).
enum LogLevel : int {
  kLogAlert = -3,
  kLogCrit = -2,
  kLogErr = -1,
  kLogWarn = 1,
  kLogNotice = 2,
  kLogInfo = 3,
  kLogDebug = 4,
};

// Parses "L_INFO", "INFO", "info", "3", "-1" ...; false if unknown.
bool ParseLogLevel(std::string_view name, int* level);
const char* LogLevelName(int level);

class Log {
 public:
  static int level() { return level_.load(std::memory_order_relaxed); }
  static void set_level(int l) { level_.store(l, std::memory_order_relaxed); }
  static bool enabled(int l) { return l <= level(); }

  // Sink configuration (main thread, before workers start; Reopen any time).
  static void UseStderr(bool on);
  static bool using_stderr();
  static bool SetFacility(std::string_view name);  // "LOG_LOCAL0" ...
  static void SetName(std::string_view name);
  static void Reopen();  // SIGHUP: re-open syslog

  static void Write(int level, std::string_view module, std::string_view msg);
  static void Printf(int level, const char* module, const char* fmt, ...)
      __attribute__((format(printf, 3, 4)));

 private:
  static std::atomic<int> level_;
};

}  // namespace sipcapd

#define SC_LOG(lvl, mod, ...)                                                        \
  do {                                                                               \
    if (::sipcapd::Log::enabled(lvl)) ::sipcapd::Log::Printf(lvl, mod, __VA_ARGS__); \
  } while (0)
#define LOG_ERR(mod, ...) SC_LOG(::sipcapd::kLogErr, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...) SC_LOG(::sipcapd::kLogWarn, mod, __VA_ARGS__)
#define LOG_NOTICE(mod, ...) SC_LOG(::sipcapd::kLogNotice, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...) SC_LOG(::sipcapd::kLogInfo, mod, __VA_ARGS__)
#define LOG_DBG(mod, ...) SC_LOG(::sipcapd::kLogDebug, mod, __VA_ARGS__)
