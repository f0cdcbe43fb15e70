#include "core/base/log.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>

namespace sipcapd {

std::atomic<int> Log::level_{kLogNotice};

namespace {

struct SinkState {
  std::mutex mu;
  bool use_stderr = true;
  int facility = LOG_DAEMON;
  std::string name = "sipcapd";
  bool syslog_open = false;
};

SinkState& Sink() {
  static SinkState s;
  return s;
}

struct LevelName {
  const char* name;
  int level;
};
constexpr LevelName kLevels[] = {
    {"L_ALERT", kLogAlert},   {"L_CRIT", kLogCrit}, {"L_ERR", kLogErr},   {"L_WARN", kLogWarn},
    {"L_NOTICE", kLogNotice}, {"L_INFO", kLogInfo}, {"L_DBG", kLogDebug},
};

int SyslogPriority(int level) {
  switch (level) {
    case kLogAlert: return LOG_ALERT;
    case kLogCrit: return LOG_CRIT;
    case kLogErr: return LOG_ERR;
    case kLogWarn: return LOG_WARNING;
    case kLogNotice: return LOG_NOTICE;
    case kLogInfo: return LOG_INFO;
    default: return LOG_DEBUG;
  }
}

}  // namespace

bool ParseLogLevel(std::string_view name, int* level) {
  std::string up;
  for (char c : name) up += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (const auto& l : kLevels) {
    if (up == l.name || up == std::string_view(l.name).substr(2)) {
      *level = l.level;
      return true;
    }
  }
  if (up == "L_ERROR" || up == "ERROR") {
    *level = kLogErr;
    return true;
  }
  if (up == "L_WARNING" || up == "WARNING") {
    *level = kLogWarn;
    return true;
  }
  if (up == "L_DEBUG" || up == "DEBUG") {
    *level = kLogDebug;
    return true;
  }
  if (up.empty()) return false;
  size_t p = (up[0] == '-') ? 1 : 0;
  if (p == up.size()) return false;
  int v = 0;
  for (; p < up.size(); ++p) {
    if (up[p] < '0' || up[p] > '9' || v > 100) return false;
    v = v * 10 + (up[p] - '0');
  }
  *level = up[0] == '-' ? -v : v;
  return true;
}

const char* LogLevelName(int level) {
  for (const auto& l : kLevels)
    if (l.level == level) return l.name + 2;
  return level > kLogDebug ? "DBG" : "ALERT";
}

void Log::UseStderr(bool on) {
  std::lock_guard<std::mutex> g(Sink().mu);
  Sink().use_stderr = on;
}

bool Log::using_stderr() {
  std::lock_guard<std::mutex> g(Sink().mu);
  return Sink().use_stderr;
}

bool Log::SetFacility(std::string_view name) {
  static const struct {
    const char* n;
    int f;
  } kFac[] = {{"LOG_DAEMON", LOG_DAEMON}, {"LOG_USER", LOG_USER},     {"LOG_LOCAL0", LOG_LOCAL0},
              {"LOG_LOCAL1", LOG_LOCAL1}, {"LOG_LOCAL2", LOG_LOCAL2}, {"LOG_LOCAL3", LOG_LOCAL3},
              {"LOG_LOCAL4", LOG_LOCAL4}, {"LOG_LOCAL5", LOG_LOCAL5}, {"LOG_LOCAL6", LOG_LOCAL6},
              {"LOG_LOCAL7", LOG_LOCAL7}};
  for (const auto& f : kFac) {
    if (name == f.n) {
      std::lock_guard<std::mutex> g(Sink().mu);
      Sink().facility = f.f;
      Sink().syslog_open = false;
      return true;
    }
  }
  return false;
}

void Log::SetName(std::string_view name) {
  std::lock_guard<std::mutex> g(Sink().mu);
  Sink().name = std::string(name);
  Sink().syslog_open = false;
}

void Log::Reopen() {
  std::lock_guard<std::mutex> g(Sink().mu);
  if (Sink().syslog_open) closelog();
  Sink().syslog_open = false;
}

void Log::Write(int level, std::string_view module, std::string_view msg) {
  SinkState& s = Sink();
  std::string line;
  line.reserve(msg.size() + 64);
  bool to_stderr;
  {
    std::lock_guard<std::mutex> g(s.mu);
    to_stderr = s.use_stderr;
    if (!to_stderr && !s.syslog_open) {
      openlog(s.name.c_str(), LOG_PID | LOG_NDELAY, s.facility);
      s.syslog_open = true;
    }
  }
  if (to_stderr) {
    char ts[32];
    time_t now = time(nullptr);
    struct tm tmv;
    localtime_r(&now, &tmv);
    strftime(ts, sizeof ts, "%b %d %H:%M:%S", &tmv);
    line += ts;
    line += " [";
    line += std::to_string(getpid());
    line += "] ";
  }
  line += LogLevelName(level);
  line += ":";
  if (!module.empty()) {
    line += module;
    line += ":";
  }
  line += " ";
  line += msg;
  if (line.empty() || line.back() != '\n') line += '\n';
  if (to_stderr) {
    ssize_t r = ::write(2, line.data(), line.size());
    (void)r;
  } else {
    syslog(SyslogPriority(level), "%s", line.c_str());
  }
}

void Log::Printf(int level, const char* module, const char* fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  Write(level, module ? module : "", std::string_view(buf, std::min<size_t>(n, sizeof buf - 1)));
}

}  // namespace sipcapd
