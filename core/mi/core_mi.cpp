#include "core/mi/core_mi.h"

#include <cjson/cJSON.h>
#include <sys/utsname.h>

#include <cctype>
#include <ctime>
#include <memory>
#include <set>

#include "core/base/log.h"

#ifndef SIPCAPD_VERSION
#define SIPCAPD_VERSION "0.0.0"
#endif

namespace sipcapd {

namespace {

constexpr const char* kTooFewOrMany = "Too few or too many arguments";
constexpr const char* kBadParam = "Bad parameter";

struct CoreMiState {
  CoreMiHooks hooks;
  const Registry* registry = nullptr;
  StatsRegistry& stats() const { return hooks.stats ? *hooks.stats : StatsRegistry::Global(); }
};

// Positional arguments plus every named one (3.x clients name them).
std::vector<std::string> AllArgs(const MiParams& p) {
  std::vector<std::string> v = p.positional;
  for (const auto& [k, val] : p.named) v.push_back(val);
  return v;
}

std::string CTimeText(std::chrono::system_clock::time_point tp) {
  std::time_t t = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

MiResult Version() {
  struct utsname u {};
  std::string arch = "unknown", os = "linux";
  if (uname(&u) == 0) {
    arch = u.machine;
    os = u.sysname;
    for (char& c : os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  JsonPtr body(cJSON_CreateObject());
  std::string server = "sipcapd (" SIPCAPD_VERSION " (" + arch + "/" + os + "))";
  cJSON_AddStringToObject(body.get(), "Server", server.c_str());
  return MiResult::Ok(std::move(body));
}

MiResult Uptime(const CoreMiState& st) {
  auto now = std::chrono::system_clock::now();
  long long up =
      std::chrono::duration_cast<std::chrono::seconds>(now - st.hooks.start_time).count();
  JsonPtr body(cJSON_CreateObject());
  cJSON_AddStringToObject(body.get(), "Now", CTimeText(now).c_str());
  cJSON_AddStringToObject(body.get(), "Up since", CTimeText(st.hooks.start_time).c_str());
  cJSON_AddStringToObject(body.get(), "Up time", (std::to_string(up) + " [sec]").c_str());
  return MiResult::Ok(std::move(body));
}

MiResult Which(const CoreMiState& st, const MiParams& p) {
  std::vector<std::string> args = AllArgs(p);
  if (args.size() > 1) return MiResult::Error(400, kTooFewOrMany);
  if (args.size() == 1) {
    const MiExport* mi = st.registry->FindMi(args[0]);
    if (!mi) return MiResult::Error(404, "Command Not Found");
    JsonPtr body(cJSON_CreateObject());
    cJSON_AddStringToObject(body.get(), "Help", mi->help.c_str());
    return MiResult::Ok(std::move(body));
  }
  JsonPtr body(cJSON_CreateArray());
  for (const MiExport* mi : st.registry->AllMi())
    cJSON_AddItemToArray(body.get(), cJSON_CreateString(mi->name.c_str()));
  return MiResult::Ok(std::move(body));
}

// {"Process":[{"@attrs":{...}}, ...]} -> "Process::  ID=0 PID=.. Type=.."
MiResult Ps(const CoreMiState& st, bool log_levels) {
  JsonPtr body(cJSON_CreateObject());
  cJSON* list = cJSON_AddArrayToObject(body.get(), "Process");
  std::vector<std::pair<int, std::string>> procs;
  if (st.hooks.processes) procs = st.hooks.processes();
  int id = 0;
  for (const auto& [pid, type] : procs) {
    cJSON* node = cJSON_CreateObject();
    cJSON* attrs = cJSON_AddObjectToObject(node, "@attrs");
    if (log_levels) {
      cJSON_AddNumberToObject(attrs, "PID", pid);
      cJSON_AddNumberToObject(attrs, "Log level", Log::level());
    } else {
      cJSON_AddNumberToObject(attrs, "ID", id);
      cJSON_AddNumberToObject(attrs, "PID", pid);
      cJSON_AddStringToObject(attrs, "Type", type.c_str());
    }
    cJSON_AddItemToArray(list, node);
    ++id;
  }
  return MiResult::Ok(std::move(body));
}

MiResult GetStatistics(const CoreMiState& st, const MiParams& p) {
  std::vector<std::string> args = AllArgs(p);
  if (args.empty()) return MiResult::Error(400, kTooFewOrMany);
  JsonPtr body(cJSON_CreateObject());
  std::set<std::string> seen;
  for (const auto& what : args) {
    for (const auto& e : st.stats().Query(what)) {
      std::string key = e.group + ":" + e.name;
      if (!seen.insert(key).second) continue;
      cJSON_AddNumberToObject(body.get(), key.c_str(), static_cast<double>(e.Value()));
    }
  }
  if (seen.empty()) return MiResult::Error(404, "Statistics Not Found");
  return MiResult::Ok(std::move(body));
}

MiResult ResetStatistics(const CoreMiState& st, const MiParams& p) {
  std::vector<std::string> args = AllArgs(p);
  if (args.empty()) return MiResult::Error(400, kTooFewOrMany);
  for (const auto& what : args)
    if (st.stats().Query(what).empty())
      LOG_WARN("core", "reset_statistics: statistic '%s' not found", what.c_str());
    else
      st.stats().Reset(what);
  return MiResult::Ok();
}

MiResult LogLevelCmd(const CoreMiState& st, const MiParams& p) {
  std::vector<std::string> args = AllArgs(p);
  if (args.empty()) return Ps(st, true);
  if (args.size() > 2) return MiResult::Error(400, kTooFewOrMany);
  int level = 0;
  if (!ParseLogLevel(args[0], &level) || level < kLogAlert || level > kLogDebug)
    return MiResult::Error(400, kBadParam);
  Log::set_level(level);
  LOG_NOTICE("core", "log level set to %d through MI", level);
  JsonPtr body(cJSON_CreateObject());
  cJSON_AddNumberToObject(body.get(), "New global log level", level);
  return MiResult::Ok(std::move(body));
}

MiResult Kill(const CoreMiState& st) {
  LOG_NOTICE("core", "shutdown requested through MI");
  if (st.hooks.shutdown) st.hooks.shutdown();
  return MiResult::Ok();
}

}  // namespace

Status RegisterCoreMi(Registry& registry, const CoreMiHooks& hooks) {
  auto st = std::make_shared<CoreMiState>();
  st->hooks = hooks;
  st->registry = &registry;
  auto which = [st](const MiParams& p) { return Which(*st, p); };
  const std::vector<MiExport> cmds = {
      {"version", "prints the server version", [](const MiParams&) { return Version(); }},
      {"uptime", "prints the current time, the start time and the uptime in seconds",
       [st](const MiParams&) { return Uptime(*st); }},
      {"which", "lists the available MI commands", which},
      {"help", "lists the MI commands, or prints the help of the one given", which},
      {"list", "lists the available MI commands", which},
      {"ps", "lists the processes / threads", [st](const MiParams&) { return Ps(*st, false); }},
      {"get_statistics", "prints statistics: 'all', 'group:' or names",
       [st](const MiParams& p) { return GetStatistics(*st, p); }},
      {"reset_statistics", "resets statistics: 'all', 'group:' or names",
       [st](const MiParams& p) { return ResetStatistics(*st, p); }},
      {"log_level", "prints the log level, or sets it: log_level <level>",
       [st](const MiParams& p) { return LogLevelCmd(*st, p); }},
      {"kill", "shuts the server down", [st](const MiParams&) { return Kill(*st); }},
      {"shutdown", "shuts the server down", [st](const MiParams&) { return Kill(*st); }},
  };
  for (const auto& c : cmds) {
    Status s = registry.AddMi("core", c);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace sipcapd
