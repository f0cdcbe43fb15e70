#include "core/db/table_pattern.h"

#include <cstring>
#include <ctime>

#include "core/db/driver.h"

namespace sipcapd::db {
namespace {
// Conversions whose output is letters/digits only (in the C locale).
constexpr const char* kAllowed = "YymdHMSjUWuwaAbBhpGgVCI";
}  // namespace

Result<TablePattern> TablePattern::Parse(std::string_view pattern, bool local_time) {
  TablePattern p;
  p.pattern_ = std::string(pattern);
  p.local_time_ = local_time;
  if (pattern.empty()) return Status::Invalid("table name is empty");
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') continue;
    if (i + 1 >= pattern.size()) return Status::Invalid("table '" + p.pattern_ + "': trailing %");
    char c = pattern[i + 1];
    if (!strchr(kAllowed, c)) {
      return Status::Invalid("table '" + p.pattern_ + "': conversion %" + std::string(1, c) +
                             " is not allowed in a table name");
    }
    p.has_time_ = true;
    ++i;
  }
  // Probe a few times for a safe identifier.
  for (int64_t t : {int64_t{0}, int64_t{1700000000}, int64_t{1700000000 + 86400 * 200}}) {
    std::string name = p.Expand(t * 1000000);
    if (!IsSafeIdentifier(name)) {
      return Status::Invalid("table '" + p.pattern_ + "' expands to '" + name +
                             "', not a safe SQL identifier ([A-Za-z0-9_$], 1..64 chars)");
    }
  }
  return p;
}

std::string TablePattern::Expand(int64_t time_us) const {
  if (!has_time_) return pattern_;
  int64_t sec = time_us / 1000000;
  if (time_us < 0 && time_us % 1000000) --sec;
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  if (local_time_) {
    localtime_r(&t, &tm);
  } else {
    gmtime_r(&t, &tm);
  }
  char buf[256];
  size_t n = strftime(buf, sizeof(buf), pattern_.c_str(), &tm);
  return std::string(buf, n);
}

}  // namespace sipcapd::db
