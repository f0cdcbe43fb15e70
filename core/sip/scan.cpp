#include "core/sip/scan.h"

#include <cstring>

namespace sipcapd::sip {

bool IsTokenChar(char c) {
  if (IsAlpha(c) || IsDigit(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~': return true;
    default: return false;
  }
}

std::string_view TrimWs(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsWs(s[b])) ++b;
  while (e > b && IsWs(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  return true;
}

std::string_view Unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

std::optional<uint64_t> ParseUint(std::string_view s, uint64_t max) {
  s = TrimWs(s);
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// Scans from `i` to the end of a quoted string starting at s[i] == '"';
// returns the index after the closing quote, or npos if unterminated.
static size_t SkipQuoted(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '"') return i + 1;
  }
  return std::string_view::npos;
}

bool ParamIter::Next(std::string_view* name, std::string_view* value, bool* has_value) {
  while (!rest_.empty() && IsWs(rest_.front())) rest_.remove_prefix(1);
  if (rest_.empty()) return false;
  if (rest_.front() == ';') rest_.remove_prefix(1);
  // Find the end of this parameter (next ';' outside quotes).
  size_t i = 0, eq = std::string_view::npos;
  while (i < rest_.size() && rest_[i] != ';') {
    if (rest_[i] == '"') {
      size_t q = SkipQuoted(rest_, i);
      i = q == std::string_view::npos ? rest_.size() : q;
      continue;
    }
    if (rest_[i] == '=' && eq == std::string_view::npos) eq = i;
    ++i;
  }
  std::string_view p = rest_.substr(0, i);
  rest_.remove_prefix(i);
  if (eq == std::string_view::npos) {
    *name = TrimWs(p);
    *value = {};
    *has_value = false;
  } else {
    *name = TrimWs(p.substr(0, eq));
    *value = TrimWs(p.substr(eq + 1));
    *has_value = true;
  }
  return true;
}

std::optional<std::string_view> FindParam(std::string_view raw, std::string_view name) {
  ParamIter it(raw);
  std::string_view n, v;
  bool hv;
  while (it.Next(&n, &v, &hv))
    if (EqualsNoCase(n, name)) return v;
  return std::nullopt;
}

size_t FindTopLevel(std::string_view s, char c) {
  int angle = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '"') {
      size_t q = SkipQuoted(s, i);
      if (q == std::string_view::npos) return std::string_view::npos;
      i = q - 1;
      continue;
    }
    if (ch == '<')
      ++angle;
    else if (ch == '>' && angle > 0)
      --angle;
    else if (ch == c && angle == 0)
      return i;
  }
  return std::string_view::npos;
}

bool ListIter::Next(std::string_view* elem) {
  if (done_) return false;
  size_t p = FindTopLevel(rest_, ',');
  if (p == std::string_view::npos) {
    *elem = TrimWs(rest_);
    done_ = true;
    return true;
  }
  *elem = TrimWs(rest_.substr(0, p));
  rest_.remove_prefix(p + 1);
  return true;
}

}  // namespace sipcapd::sip
