// Low-level scanning helpers shared by the SIP parsers: character classes,
// trimming, case-insensitive comparison, a `;name=value` parameter iterator
// and a comma-list splitter that respects quotes and <...>. All functions are
// pure, work on string_views into the caller's buffer and never read outside
// the view they are given. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sipcapd::sip {

inline bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// RFC 3261 token characters: alphanum and -.!%*_+`'~
bool IsTokenChar(char c);

std::string_view TrimWs(std::string_view s);  // strips SP, HT, CR, LF both ends
bool EqualsNoCase(std::string_view a, std::string_view b);
// Unquotes "..." (removes the quotes only; escapes are kept as written).
std::string_view Unquote(std::string_view s);

// Parses an unsigned decimal with no sign and at most `max` as value; the
// whole view must be digits (after trimming whitespace).
std::optional<uint64_t> ParseUint(std::string_view s, uint64_t max);

// Iterates `;name[=value]` parameters of a raw parameter string (the part
// starting at the first ';', or empty). Names and values are trimmed;
// quoted values keep their quotes (use Unquote). Empty parameters (";;")
// are reported with an empty name so callers can treat them as errors.
class ParamIter {
 public:
  explicit ParamIter(std::string_view raw) : rest_(raw) {}
  // Fills name/value for the next parameter; false at the end.
  bool Next(std::string_view* name, std::string_view* value, bool* has_value);

 private:
  std::string_view rest_;
};

// Value of parameter `name` (case-insensitive) in `raw`; nullopt if absent;
// an empty view if present without a value.
std::optional<std::string_view> FindParam(std::string_view raw, std::string_view name);

// Splits a header value at top-level commas (not inside "..." or <...>).
// Call Next() until it returns false; each element is trimmed.
class ListIter {
 public:
  explicit ListIter(std::string_view raw) : rest_(raw), done_(raw.empty()) {}
  bool Next(std::string_view* elem);

 private:
  std::string_view rest_;
  bool done_;
};

// Position of the first `c` in s at top level (outside quotes and <>), or npos.
size_t FindTopLevel(std::string_view s, char c);

}  // namespace sipcapd::sip
