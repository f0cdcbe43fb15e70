// MiDispatcher: runs MI commands registered in the Registry (by the core
// and by modules) and renders their replies for each MI transport.
//
// The core owns one dispatcher and publishes it as the service
// "MiDispatcher/1" (kMiDispatcherService); MI transports (mi_fifo, mi_http)
// find it with Registrar::FindService. Reply shapes and error strings are
// OpenSIPS's (doc/mi.md):
//   2.x text:  "500 command 'x' not available", "400 Parse error in command
//              'x'", "500 command 'x' failed" (handler threw);
//   JSON-RPC:  -32700 / -32600 / -32601 / -32602 / -32000, handler errors
//              as {"code": <code>, "message": <reason>}.
//
// Thread-safety: Run()/Handle*() may be called from several transport
// threads at once once the Registry is frozen; handlers must be
// thread-safe. AddObserver() only before transports start.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/module/registry.h"

namespace sipcapd {

inline constexpr const char* kMiDispatcherService = "MiDispatcher/1";

// One finished MI call, as seen by observers (e.g. siptrace's MI tracing).
struct MiCallInfo {
  std::string_view command;
  std::string_view backend;  // "fifo", "http", ...
  const MiParams& params;
  const MiResult& result;
};

class MiDispatcher {
 public:
  explicit MiDispatcher(const Registry& registry) : registry_(registry) {}
  MiDispatcher(const MiDispatcher&) = delete;
  MiDispatcher& operator=(const MiDispatcher&) = delete;

  // Runs `command`. Unknown: 500 "command '<x>' not available". A handler
  // that throws: 500 "command '<x>' failed". Observers see every call.
  MiResult Run(std::string_view command, const MiParams& params,
               std::string_view backend = "") const;

  // A whole 2.x text request (command + its argument lines) -> reply bytes.
  std::string HandleText(std::string_view command, std::string_view arg_lines,
                         std::string_view indent = "\t", std::string_view backend = "fifo") const;

  // A JSON-RPC request -> response text. Sets *reply to false (and returns
  // "") for notifications (requests without an id), which get no reply.
  std::string HandleJsonRpc(std::string_view json, bool* reply, bool pretty = false,
                            std::string_view backend = "fifo") const;

  void AddObserver(std::function<void(const MiCallInfo&)> observer) {
    observers_.push_back(std::move(observer));
  }

  const Registry& registry() const { return registry_; }

 private:
  const Registry& registry_;
  std::vector<std::function<void(const MiCallInfo&)>> observers_;
};

}  // namespace sipcapd
