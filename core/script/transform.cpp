#include "core/script/transform.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

namespace sipcapd {
namespace {

std::string Text(const Value& v) { return v.is_null() ? std::string() : v.AsString(); }

bool ParseIntParam(const std::string& s, int64_t* out) {
  auto n = Value::Str(s).AsInt();
  if (!n) return false;
  *out = *n;
  return true;
}

bool SInt(MsgContext&, const std::vector<std::string>&, Value* v) {
  if (v->is_int()) return true;
  std::string s = Text(*v);
  size_t p = 0;
  while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
  bool neg = false;
  if (p < s.size() && (s[p] == '-' || s[p] == '+')) neg = s[p++] == '-';
  int64_t r = 0;
  for (; p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])); ++p) {
    if (r > (INT64_MAX - 9) / 10) break;
    r = r * 10 + (s[p] - '0');
  }
  *v = Value::Int(neg ? -r : r);
  return true;
}

bool SLen(MsgContext&, const std::vector<std::string>&, Value* v) {
  *v = Value::Int(static_cast<int64_t>(Text(*v).size()));
  return true;
}

bool SSelect(MsgContext&, const std::vector<std::string>& p, Value* v) {
  int64_t idx;
  if (p.size() < 2 || !ParseIntParam(p[0], &idx) || p[1].size() != 1) return false;
  std::string s = Text(*v);
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == p[1][0]) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  int64_t n = static_cast<int64_t>(parts.size());
  if (idx < 0) idx += n;
  if (idx < 0 || idx >= n) return false;
  *v = Value::Str(parts[idx]);
  return true;
}

bool SSubstr(MsgContext&, const std::vector<std::string>& p, Value* v) {
  int64_t off, len;
  if (p.size() < 2 || !ParseIntParam(p[0], &off) || !ParseIntParam(p[1], &len) || len < 0)
    return false;
  std::string s = Text(*v);
  int64_t n = static_cast<int64_t>(s.size());
  if (off < 0) off += n;
  if (off < 0 || off > n) return false;
  if (len == 0 || off + len > n) len = n - off;
  *v = Value::Str(s.substr(off, len));
  return true;
}

bool SLower(MsgContext&, const std::vector<std::string>&, Value* v) {
  std::string s = Text(*v);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  *v = Value::Str(s);
  return true;
}

bool SUpper(MsgContext&, const std::vector<std::string>&, Value* v) {
  std::string s = Text(*v);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  *v = Value::Str(s);
  return true;
}

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool Trim(Value* v, bool left, bool right) {
  std::string s = Text(*v);
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && IsWs(s[b])) ++b;
  if (right)
    while (e > b && IsWs(s[e - 1])) --e;
  *v = Value::Str(s.substr(b, e - b));
  return true;
}

bool EncodeHex(MsgContext&, const std::vector<std::string>&, Value* v) {
  static const char kHex[] = "0123456789abcdef";
  std::string s = Text(*v), out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  *v = Value::Str(out);
  return true;
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool DecodeHex(MsgContext&, const std::vector<std::string>&, Value* v) {
  std::string s = Text(*v), out;
  if (s.size() % 2) return false;
  for (size_t i = 0; i < s.size(); i += 2) {
    int h = HexVal(s[i]), l = HexVal(s[i + 1]);
    if (h < 0 || l < 0) return false;
    out += static_cast<char>(h * 16 + l);
  }
  *v = Value::Str(out);
  return true;
}

class Table {
 public:
  static Table& Get() {
    static Table* t = new Table();  // never destroyed: used until exit
    return *t;
  }
  Status Add(TransformDef d) {
    std::lock_guard<std::mutex> l(mu_);
    if (!d.fn) return Status::Invalid("transformation " + d.name + " has no function");
    if (defs_.count(d.name))
      return Status::Exists("transformation " + d.name + " already registered");
    std::string n = d.name;
    defs_.emplace(std::move(n), std::move(d));
    return Status::Ok();
  }
  Result<TransformDef> Find(std::string_view name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = defs_.find(std::string(name));
    if (it == defs_.end())
      return Status::NotFound("unknown transformation '" + std::string(name) + "'");
    return it->second;
  }

 private:
  Table() {
    auto add = [this](const char* n, TransformFn f, int mn, int mx) {
      defs_.emplace(n, TransformDef{n, std::move(f), mn, mx});
    };
    add("s.int", SInt, 0, 0);
    add("s.len", SLen, 0, 0);
    add("s.select", SSelect, 2, 2);
    add("s.substr", SSubstr, 2, 2);
    add("s.tolower", SLower, 0, 0);
    add("s.toupper", SUpper, 0, 0);
    add(
        "s.trim",
        [](MsgContext&, const std::vector<std::string>&, Value* v) { return Trim(v, true, true); },
        0, 0);
    add(
        "s.trimr",
        [](MsgContext&, const std::vector<std::string>&, Value* v) { return Trim(v, false, true); },
        0, 0);
    add(
        "s.triml",
        [](MsgContext&, const std::vector<std::string>&, Value* v) { return Trim(v, true, false); },
        0, 0);
    add("s.encode.hexa", EncodeHex, 0, 0);
    add("s.hex", EncodeHex, 0, 0);
    add("s.decode.hexa", DecodeHex, 0, 0);
  }
  std::mutex mu_;
  std::map<std::string, TransformDef> defs_;
};

}  // namespace

Status RegisterTransformation(const std::string& name, TransformFn fn, int min_params,
                              int max_params) {
  return Table::Get().Add(
      TransformDef{name, std::move(fn), min_params, std::max(min_params, max_params)});
}

Result<TransformDef> FindTransformation(std::string_view name) { return Table::Get().Find(name); }

std::vector<std::string> SplitTransformParams(std::string_view raw, int max) {
  std::vector<std::string> out;
  if (raw.empty()) return out;
  size_t start = 0;
  while (true) {
    if (max > 0 && static_cast<int>(out.size()) == max - 1) {
      out.emplace_back(raw.substr(start));
      break;
    }
    size_t c = raw.find(',', start);
    if (c == std::string_view::npos) {
      out.emplace_back(raw.substr(start));
      break;
    }
    out.emplace_back(raw.substr(start, c - start));
    start = c + 1;
  }
  return out;
}

}  // namespace sipcapd
