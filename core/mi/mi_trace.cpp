#include "core/mi/mi_trace.h"

#include <cjson/cJSON.h>

#include <cctype>

namespace sipcapd::mi {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Cut(std::string s) {
  if (s.size() > kMiTraceMaxValue) s.resize(kMiTraceMaxValue);
  return s;
}

}  // namespace

bool TraceBwList::Traced(std::string_view command) const {
  bool listed = false;
  for (const auto& c : commands)
    if (c == command) listed = true;
  return whitelist ? listed : !listed;
}

Result<TraceBwList> ParseTraceBwList(std::string_view text) {
  TraceBwList out;
  text = Trim(text);
  if (text.empty()) return out;
  size_t colon = text.find(':');
  if (colon == std::string_view::npos)
    return Status::Invalid("trace_bwlist: expected 'w: cmd, ...' or 'b: cmd, ...'");
  std::string_view mode = Trim(text.substr(0, colon));
  if (mode == "w" || mode == "W")
    out.whitelist = true;
  else if (mode != "b" && mode != "B")
    return Status::Invalid("trace_bwlist: unknown list type '" + std::string(mode) +
                           "' (w = whitelist, b = blacklist)");
  std::string_view rest = text.substr(colon + 1);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view name = Trim(rest.substr(0, comma));
    if (name.empty()) return Status::Invalid("trace_bwlist: empty command name");
    out.commands.emplace_back(name);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (out.commands.empty()) return Status::Invalid("trace_bwlist: no command listed");
  return out;
}

TraceParts MiTraceRequestParts(std::string_view command, std::string_view backend,
                               const MiParams& params) {
  std::string joined;
  auto add = [&joined](const std::string& v) {
    if (!joined.empty()) joined += ',';
    joined += v;
  };
  for (const auto& v : params.positional) add(v);
  for (const auto& [k, v] : params.named) add(k + "=" + v);
  return {{"command", std::string(command)},
          {"backend", std::string(backend)},
          {"parameters", Cut(std::move(joined))}};
}

TraceParts MiTraceReplyParts(const MiResult& result) {
  std::string reply;
  if (result.body) {
    char* s = cJSON_PrintUnformatted(result.body.get());
    if (s) reply = s;
    cJSON_free(s);
  }
  return {{"code", std::to_string(result.code)},
          {"reason", result.reason},
          {"reply", Cut(std::move(reply))}};
}

}  // namespace sipcapd::mi
