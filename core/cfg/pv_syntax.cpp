#include "core/cfg/pv_syntax.h"

#include <cctype>

namespace sipcapd::cfg {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Reads up to the ')' matching an already consumed '('; *pos ends past it.
bool ReadBalanced(std::string_view t, size_t* pos, char open, char close, std::string* out,
                  std::string* err) {
  int depth = 1;
  size_t start = *pos;
  for (size_t p = *pos; p < t.size(); ++p) {
    if (t[p] == open) {
      ++depth;
    } else if (t[p] == close && --depth == 0) {
      *out = std::string(t.substr(start, p - start));
      *pos = p + 1;
      return true;
    }
  }
  *pos = t.size();
  *err = std::string("unterminated '") + open + "' in pseudo-variable";
  return false;
}

bool ParseBody(std::string_view t, size_t* pos, PvRef* out, bool allow_tr, std::string* err) {
  size_t p = *pos;
  if (p >= t.size() || !IsNameStart(t[p])) {
    *pos = p;
    *err = "expected a pseudo-variable name";
    return false;
  }
  size_t s = p;
  while (p < t.size() && IsNameChar(t[p])) ++p;
  out->name = std::string(t.substr(s, p - s));
  if (p < t.size() && t[p] == '(') {
    ++p;
    if (!ReadBalanced(t, &p, '(', ')', &out->inner, err)) {
      *pos = p;
      return false;
    }
    out->has_inner = true;
  }
  if (p < t.size() && t[p] == '[') {
    size_t q = p + 1;
    bool neg = false;
    if (q < t.size() && t[q] == '-') {
      neg = true;
      ++q;
    }
    size_t ds = q;
    int64_t v = 0;
    while (q < t.size() && std::isdigit(static_cast<unsigned char>(t[q])) && q - ds < 9)
      v = v * 10 + (t[q++] - '0');
    if (q == ds || q >= t.size() || t[q] != ']') {
      *pos = q;
      *err = "bad pseudo-variable index";
      return false;
    }
    out->has_index = true;
    out->index = static_cast<int>(neg ? -v : v);
    p = q + 1;
  }
  while (allow_tr && p < t.size() && t[p] == '{') {
    ++p;
    std::string body;
    if (!ReadBalanced(t, &p, '{', '}', &body, err)) {
      *pos = p;
      return false;
    }
    TransformRef tr;
    size_t comma = body.find(',');
    tr.name = body.substr(0, comma);
    if (comma != std::string::npos) {
      tr.has_params = true;
      tr.params_raw = body.substr(comma + 1);
    }
    if (tr.name.empty()) {
      *pos = p;
      *err = "empty transformation";
      return false;
    }
    out->transforms.push_back(std::move(tr));
  }
  *pos = p;
  return true;
}

}  // namespace

bool IsPvStart(std::string_view text, size_t pos) {
  return pos + 1 < text.size() && text[pos] == '$' &&
         (IsNameStart(text[pos + 1]) || text[pos + 1] == '(');
}

bool ParsePvRef(std::string_view t, size_t* pos, PvRef* out, std::string* err) {
  size_t start = *pos;
  size_t p = start + 1;
  *out = PvRef();
  if (p < t.size() && t[p] == '(') {
    ++p;
    if (!ParseBody(t, &p, out, true, err)) {
      *pos = p;
      return false;
    }
    if (p >= t.size() || t[p] != ')') {
      *pos = p;
      *err = "expected ')' closing '$('";
      return false;
    }
    ++p;
  } else if (!ParseBody(t, &p, out, false, err)) {
    *pos = p;
    return false;
  }
  out->text = std::string(t.substr(start, p - start));
  *pos = p;
  return true;
}

}  // namespace sipcapd::cfg
