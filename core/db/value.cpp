#include "core/db/value.h"

#include <cstdio>
#include <ctime>

#include "core/db/driver.h"

namespace sipcapd::db {

std::string FormatDateTimeUtc(int64_t epoch_us) {
  int64_t sec = epoch_us / 1000000;
  int64_t frac = epoch_us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    sec -= 1;
  }
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac) snprintf(buf + n, sizeof(buf) - n, ".%06lld", static_cast<long long>(frac));
  return buf;
}

bool IsSafeIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '$';
    if (!ok) return false;
  }
  return true;
}

}  // namespace sipcapd::db
