#include "modules/prometheus/metrics_format.h"

#include <set>

namespace sipcapd::prometheus {

namespace {

void AppendSanitized(std::string* out, std::string_view s) {
  for (char c : s) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out->push_back(ok ? c : '_');
  }
}

}  // namespace

std::string MetricName(std::string_view prefix, std::string_view group, std::string_view name) {
  std::string out;
  AppendSanitized(&out, prefix);
  if (!out.empty()) out.push_back('_');
  AppendSanitized(&out, group);
  out.push_back('_');
  AppendSanitized(&out, name);
  if (!out.empty() && out.front() >= '0' && out.front() <= '9') out.insert(out.begin(), '_');
  return out;
}

std::string RenderMetrics(const std::vector<StatsRegistry::Entry>& entries,
                          std::string_view prefix) {
  std::string out;
  std::set<std::string> seen;  // two stats may sanitize to the same name
  for (const auto& e : entries) {
    if (seen.size() >= kMaxSeries) break;
    std::string metric = MetricName(prefix, e.group, e.name);
    if (!seen.insert(metric).second) continue;
    bool gauge = (e.flags & kStatNoReset) != 0;
    out += "# HELP " + metric + " sipcapd statistic " + e.group + ":" + e.name + "\n";
    out += "# TYPE " + metric + (gauge ? " gauge\n" : " counter\n");
    out += metric + " " + std::to_string(e.Value()) + "\n";
  }
  return out;
}

}  // namespace sipcapd::prometheus
