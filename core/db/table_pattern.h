// Table names with strftime patterns ("sip_capture_%Y%m%d"), expanded per
// row from the row's own capture time (UTC by default, local time as an
// option). Validate() is called at startup: the pattern must expand (at a
// probe time) to a safe SQL identifier (see IsSafeIdentifier), so a bad
// pattern is a cfg error, not a failing insert. Only conversion specifiers
// that yield digits or letters are allowed: %Y %y %m %d %H %M %S %j %U %W
// %u %w %a %A %b %B %h %p %G %g %V %C %I.
// Thread-safety: Expand is const and re-entrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/status.h"

namespace sipcapd::db {

class TablePattern {
 public:
  // Parses and validates a pattern; plain names (no '%') are fine too.
  static Result<TablePattern> Parse(std::string_view pattern, bool local_time = false);

  bool has_time() const { return has_time_; }
  const std::string& pattern() const { return pattern_; }
  // Expands for a capture time in epoch microseconds.
  std::string Expand(int64_t time_us) const;

 private:
  std::string pattern_;
  bool has_time_ = false;
  bool local_time_ = false;
};

}  // namespace sipcapd::db
