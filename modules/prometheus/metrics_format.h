// Prometheus text exposition (version 0.0.4) of the statistics registry.
// Pure function; thread-safe.
//
// Each statistic "group:name" becomes one series `<prefix>_<group>_<name>`
// with no labels (so the cardinality is the number of registered
// statistics, bounded by kMaxSeries); characters outside [A-Za-z0-9_] are
// replaced by '_'. Counters (resettable stats) are TYPE counter, the others
// (kStatNoReset: gauges, computed values) TYPE gauge.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/stats.h"

namespace sipcapd::prometheus {

constexpr size_t kMaxSeries = 10000;

std::string MetricName(std::string_view prefix, std::string_view group, std::string_view name);
std::string RenderMetrics(const std::vector<StatsRegistry::Entry>& entries,
                          std::string_view prefix = "sipcapd");

}  // namespace sipcapd::prometheus
