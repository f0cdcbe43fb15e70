// MI command tracing helpers shared by the MI transports (OpenSIPS core
// mi/mi_trace.c): the `trace_bwlist` white/black list and the payload
// parts of the two HEP packets (request, reply) sent per traced command.
// The packets themselves are built and sent by the transport through
// proto_hep's HepApi (proto type "mi" 0x57).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "core/module/module_api.h"

namespace sipcapd::mi {

// trace_bwlist: "w: cmd1, cmd2" (only these are traced) or "b: cmd1, cmd2"
// (all but these). The mode letter is case-insensitive, spaces around
// names are ignored, names are matched exactly. An empty list traces
// everything.
struct TraceBwList {
  bool whitelist = false;  // false: blacklist (or no list)
  std::vector<std::string> commands;
  bool Traced(std::string_view command) const;
};
Result<TraceBwList> ParseTraceBwList(std::string_view text);

using TraceParts = std::vector<std::pair<std::string, std::string>>;

// Longest "parameters" / "reply" value (OpenSIPS truncates at 128 chars).
inline constexpr size_t kMiTraceMaxValue = 128;

// Request parts: "command", "backend", "parameters" (the values joined
// with ','; named ones as name=value), truncated to kMiTraceMaxValue.
TraceParts MiTraceRequestParts(std::string_view command, std::string_view backend,
                               const MiParams& params);
// Reply parts: "code", "reason", "reply" (the compact JSON body, "" when
// none), truncated to kMiTraceMaxValue.
TraceParts MiTraceReplyParts(const MiResult& result);

}  // namespace sipcapd::mi
