// The module ABI: what a module exports and what the core hands it.
//
// A module is a shared object `<name>.so` with exactly one entry symbol,
// `sipcapd_module` (a ModuleHeader, plain C layout). The loader dlopen()s
// it with RTLD_NOW|RTLD_LOCAL, checks `abi_version` and `build_signature`
// against its own before touching anything else, then calls `create()` to
// get the module's export table (ModuleExports). The table is the whole
// contract: params, script functions (sync and async) with typed argument
// specs and allowed route types, pseudo-variables, MI commands, statistics,
// transports, background workers, dependencies, and the init / worker_init
// / destroy hooks. Module state lives in `state` (kept alive by the core);
// handlers capture it. No module reads core globals: `init` receives a
// Registrar with everything the module may use, including other modules'
// services (typed interfaces published by name).
//
// Thread-safety: the table is built and registered on the main thread;
// function / PV handlers run on worker threads concurrently and must be
// thread-safe with respect to module state. MI handlers run on the MI
// transport's thread.
#pragma once

#include <any>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/stats.h"
#include "core/base/status.h"
#include "core/msg/msg_context.h"
#include "core/script/value.h"

struct cJSON;

namespace sipcapd {

constexpr uint32_t kAbiVersion = 1;

#ifndef SIPCAPD_BUILD_SIGNATURE
#define SIPCAPD_BUILD_SIGNATURE "unknown"
#endif
constexpr const char* kBuildSignature = SIPCAPD_BUILD_SIGNATURE;

// ---------------------------------------------------------------------------
// Script function arguments

enum class ArgType {
  kInt,    // integer constant, or a PV read as integer at run time
  kStr,    // string: constant, or a format with PVs expanded at run time
  kVar,    // a writable pseudo-variable ($var(x), $avp(y) ...)
  kRegex,  // POSIX extended regex; constant compiled at load
  kAny,    // any value (constant or PV), passed as Value
  kRoute,  // a route name; checked to exist at load (route_kind says which)
};

struct ArgSpec {
  ArgType type = ArgType::kStr;
  bool optional = false;
  // Custom fixup for a constant argument: parse it once at load. A failing
  // fixup is a cfg error at the argument's position. With `const_only`, a
  // non-constant argument is a cfg error.
  std::function<Status(const Value& constant, std::any& out)> fixup;
  bool const_only = false;
  uint32_t route_kind = kRequestRoute;  // for kRoute: which route table
};

// A writable pseudo-variable, as handed to functions with kVar arguments.
class PvHandle {
 public:
  virtual ~PvHandle() = default;
  virtual Value Get(MsgContext& ctx) const = 0;
  virtual Status Set(MsgContext& ctx, const Value& v) const = 0;
  virtual std::string Name() const = 0;
};

// Arguments of one call, as seen by a handler. Implemented by the
// interpreter; indices are 0-based; optional arguments not given are absent.
class CallArgs {
 public:
  virtual ~CallArgs() = default;
  virtual size_t size() const = 0;
  virtual bool Has(size_t i) const = 0;
  // kInt: false if the value is not an integer (a PV holding text).
  virtual bool GetInt(size_t i, int64_t* out) const = 0;
  // kStr / kRoute: the expanded string.
  virtual std::string Str(size_t i) const = 0;
  // kAny (works for every type): the value.
  virtual Value Get(size_t i) const = 0;
  // kVar: the writable PV (never null for a given kVar argument).
  virtual const PvHandle* Var(size_t i) const = 0;
  // kRegex: the compiled regex (constant or compiled at run time).
  virtual const std::regex* Regex(size_t i) const = 0;
  // Result of ArgSpec::fixup, or nullptr when the argument was not constant.
  virtual const std::any* Fixed(size_t i) const = 0;

  template <class T>
  const T* FixedAs(size_t i) const {
    const std::any* a = Fixed(i);
    return a ? std::any_cast<T>(a) : nullptr;
  }
};

// Called when an async operation finishes; runs the resume route. May be
// called from any thread, exactly once.
using AsyncDone = std::function<void(int rc)>;

struct FunctionExport {
  std::string name;
  std::vector<ArgSpec> args;
  uint32_t route_mask = kAllRoutes;
  // Return: >0 true, <0 false, 0 stops the script (OpenSIPS rules).
  std::function<int(MsgContext&, const CallArgs&)> fn;
  // Optional async form used by async(f(...), resume_route): start the
  // operation and return 1, then call done(rc) later; or return <= 0 to
  // fail at once (done must then not be called).
  std::function<int(MsgContext&, const CallArgs&, AsyncDone done)> async_fn;
  // Optional: called once per call site while the script is compiled
  // (before module init), whatever the arguments; an error is a cfg error
  // at the call. Lets a module learn that a function is used at all.
  std::function<Status()> on_use = nullptr;
};

// ---------------------------------------------------------------------------
// Module parameters

enum class ParamType { kInt, kStr, kIntOrStr };

struct ParamExport {
  std::string name;
  ParamType type = ParamType::kStr;
  bool repeatable = false;  // accumulates (trace_id, hep_id ...)
  std::function<Status(const Value&)> set;
};

inline ParamExport IntParam(std::string name, int64_t* dst) {
  return {std::move(name), ParamType::kInt, false, [dst](const Value& v) {
            *dst = v.int_value();
            return Status::Ok();
          }};
}
inline ParamExport IntParam(std::string name, int* dst) {
  return {std::move(name), ParamType::kInt, false, [dst](const Value& v) {
            *dst = static_cast<int>(v.int_value());
            return Status::Ok();
          }};
}
inline ParamExport StrParam(std::string name, std::string* dst) {
  return {std::move(name), ParamType::kStr, false, [dst](const Value& v) {
            *dst = v.str_value();
            return Status::Ok();
          }};
}

// ---------------------------------------------------------------------------
// Pseudo-variables

struct PvArgs {
  std::string name;        // inner name: "src_ip" of $hep_net(src_ip); empty if none
  std::any parsed;         // result of PvExport::parse_name
  bool has_index = false;  // $x(...)[n]
  int index = 0;           // negative counts from the end
};

struct PvExport {
  std::string name;  // "hep_net", "HEPVERSION"
  enum class NameMode { kNone, kRequired, kOptional } name_mode = NameMode::kNone;
  // Parses the inner name at load (unknown names are cfg errors).
  std::function<Status(std::string_view name, std::any& parsed)> parse_name;
  std::function<Value(MsgContext&, const PvArgs&)> get;
  // Null for read-only PVs. `replace` is true for ":=".
  std::function<Status(MsgContext&, const PvArgs&, const Value&, bool replace)> set;
};

// ---------------------------------------------------------------------------
// MI commands

struct MiParams {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> named;
  const std::string* Named(std::string_view n) const {
    for (const auto& [k, v] : named)
      if (k == n) return &v;
    return nullptr;
  }
};

struct JsonDeleter {
  void operator()(cJSON* j) const;
};
using JsonPtr = std::unique_ptr<cJSON, JsonDeleter>;

struct MiResult {
  int code = 200;
  std::string reason = "OK";
  JsonPtr body;  // object/array/string or null (plain "OK")
  static MiResult Ok(JsonPtr body = nullptr) {
    MiResult r;
    r.body = std::move(body);
    return r;
  }
  static MiResult Error(int code, std::string reason) {
    MiResult r;
    r.code = code;
    r.reason = std::move(reason);
    return r;
  }
};

struct MiExport {
  std::string name;
  std::string help;
  std::function<MiResult(const MiParams&)> handler;
};

// ---------------------------------------------------------------------------
// Statistics, transports, background workers, dependencies

struct StatExport {
  std::string name;  // registered as "<module>:<name>"
  Stat* stat = nullptr;
  uint32_t flags = kStatCounter;
};

class Registrar;

struct ListenSpec {
  std::string proto;  // "udp", "tcp", "hep_udp" ...
  std::string host;   // IP or host name, IPv6 without brackets
  uint16_t port = 0;  // 0: the protocol's default
  int children = -1;  // "use_children N" or -1 for the global default
  std::string text;   // as written
};

// A listening socket plus its worker loop. Open() runs on the main thread;
// Serve() runs on each of Workers() threads started by the core after every
// module's worker_init; it returns once `stop` is set (Shutdown() wakes it).
class Listener {
 public:
  virtual ~Listener() = default;
  virtual Status Open() = 0;
  virtual int Workers() const = 0;
  virtual void Serve(int worker_index, const std::atomic<bool>& stop) = 0;
  virtual void Shutdown() = 0;
  virtual std::string Name() const = 0;
};

struct TransportExport {
  std::string proto;  // "hep_udp"
  uint16_t default_port = 5060;
  std::function<Result<std::unique_ptr<Listener>>(const ListenSpec&, Registrar&)> create;
};

struct ProcExport {
  std::string name;
  int count = 1;
  std::function<void(int index, const std::atomic<bool>& stop)> run;
};

struct Dependency {
  std::string module;
  bool required = true;  // false: warn only (DEP_WARN)
};

// ---------------------------------------------------------------------------
// What the core hands a module

struct WorkerInfo {
  int rank = 0;      // >= 1 workers; 0 main; -1 timer; -2 module procs
  std::string role;  // "udp:127.0.0.1:5060 #1", "timer", ...
};

// Global settings of the cfg that modules may read.
struct CoreConfig {
  int children = 8;
  int tcp_children = 8;
  bool disable_tcp = false;
  std::string db_default_url;
  std::string mpath;
  std::string work_dir;  // state directory for spools etc.
  std::vector<ListenSpec> listens;
};

class ScriptRunner {
 public:
  struct Outcome {
    int ret = 1;  // value of return(n), 1 when the route ended normally
    bool dropped = false;
    bool exited = false;
  };
  virtual ~ScriptRunner() = default;
  virtual bool HasRoute(uint32_t route_type, std::string_view name) const = 0;
  // Runs a route ("" is the main one of that type). Unknown routes return
  // an Outcome with ret = -1 and log nothing.
  virtual Outcome RunRoute(uint32_t route_type, std::string_view name, MsgContext& ctx) = 0;
  // The core's receive path for a SIP message (request route for requests,
  // onreply_route for replies, then forwarding as the script decided).
  virtual void ReceiveSip(MsgContext& ctx) = 0;
};

class Timers {
 public:
  virtual ~Timers() = default;
  // Runs fn on the timer thread every period (first run after one period).
  virtual void Every(std::string name, std::chrono::milliseconds period,
                     std::function<void()> fn) = 0;
};

class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual const std::string& module_name() const = 0;
  virtual StatsRegistry& stats() = 0;
  virtual const CoreConfig& config() const = 0;
  virtual ScriptRunner& script() = 0;
  virtual Timers& timers() = 0;
  // Services: typed interfaces published under a versioned name
  // ("HepApi/1"); a module requires one by the same name.
  virtual Status PublishService(const std::string& name, void* iface) = 0;
  virtual void* FindService(const std::string& name) = 0;
  template <class T>
  T* Service(const std::string& name) {
    return static_cast<T*>(FindService(name));
  }
  // The calling worker thread's $var store (for contexts made by modules).
  virtual VarStore* WorkerVars() = 0;
};

// ---------------------------------------------------------------------------
// The export table

struct ModuleExports {
  std::string name;
  std::vector<Dependency> deps;
  std::vector<ParamExport> params;
  std::vector<FunctionExport> functions;
  std::vector<PvExport> pvs;
  std::vector<MiExport> mi;
  std::vector<StatExport> stats;
  std::vector<TransportExport> transports;
  std::vector<ProcExport> procs;
  std::function<Status(Registrar&)> init;
  std::function<Status(const WorkerInfo&)> worker_init;
  std::function<void()> destroy;
  std::shared_ptr<void> state;  // module state kept alive by the core
};

// Plain C layout: read by the loader before anything else.
struct ModuleHeader {
  uint32_t abi_version;
  const char* build_signature;
  const char* name;
  ModuleExports* (*create)();  // new'd; the core takes ownership
};

}  // namespace sipcapd

#define SIPCAPD_MODULE_ENTRY_SYMBOL "sipcapd_module"
// Declares a module's entry: SIPCAPD_MODULE("name", FactoryFunction)
#define SIPCAPD_MODULE(modname, factory)                                                           \
  extern "C" __attribute__((visibility("default")))                                                \
  const ::sipcapd::ModuleHeader sipcapd_module = {::sipcapd::kAbiVersion, SIPCAPD_BUILD_SIGNATURE, \
                                                  modname, factory}
