// Core global parameters of the cfg (`name = value` at top level).
// Known names are applied to CoreConfig / logging; a documented list of
// OpenSIPS parameters is accepted and ignored with a notice; anything else
// is an error. See doc/cfg.md "Global parameters".
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/module/module_api.h"
#include "core/script/value.h"

namespace sipcapd {

struct GlobalSettings {
  CoreConfig core;
  int log_level = 2;  // L_NOTICE
  bool log_level_set = false;
  bool log_stderror = false;
  bool log_stderror_set = false;
  std::string log_facility = "LOG_DAEMON";
  std::string log_name = "sipcapd";
  int max_while_loops = 10000;
  std::string pid_file;
  bool debug_mode = false;
  int default_port = 5060;
  std::vector<std::string> aliases;
};

// Applies one `name = value` (raw: the value text as written). Returns an
// error for unknown names or bad values; for accepted-and-ignored names,
// *ignored is set (the caller logs a notice).
Status ApplyGlobal(GlobalSettings* g, const std::string& name, const Value& value,
                   const std::string& raw, bool* ignored);

// Parses a listen/socket value: "[proto:]host[:port] [use_children N] [as host:port]".
// IPv6 hosts in brackets. Protocol defaults to udp, port to 0 (protocol default).
Result<ListenSpec> ParseListen(std::string_view text);

}  // namespace sipcapd
