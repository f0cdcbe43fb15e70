#include "modules/json/json_store.h"

#include <cjson/cJSON.h>

#include <charconv>
#include <cmath>

namespace sipcapd::json {
namespace {

constexpr const char* kExtKey = "json";

std::string Print(const cJSON* j) {
  char* s = cJSON_PrintUnformatted(j);
  std::string out = s ? s : "";
  cJSON_free(s);
  return out;
}

// Resolves an array index (negative from the end); -1 if out of range.
int ArrayIndex(const cJSON* arr, int idx) {
  int n = cJSON_GetArraySize(arr);
  if (idx < 0) idx += n;
  return idx >= 0 && idx < n ? idx : -1;
}

}  // namespace

Result<JsonPath> ParseJsonPath(std::string_view name) {
  JsonPath p;
  if (name.empty()) return Status::Invalid("$json needs a variable name");
  bool first = true;
  while (true) {
    size_t slash = name.find('/');
    std::string_view part = name.substr(0, slash);
    // part = key followed by any number of [n] / [].
    size_t br = part.find('[');
    std::string_view key = part.substr(0, br);
    if (key.empty()) return Status::Invalid("empty element in $json path");
    if (first) {
      p.var = std::string(key);
    } else {
      p.segs.push_back({PathSeg::Kind::kKey, std::string(key), 0});
    }
    first = false;
    while (br != std::string_view::npos) {
      size_t close = part.find(']', br);
      if (close == std::string_view::npos) return Status::Invalid("missing ']' in $json path");
      std::string_view idx = part.substr(br + 1, close - br - 1);
      if (idx.empty()) {
        p.segs.push_back({PathSeg::Kind::kAppend, "", 0});
      } else {
        int v = 0;
        auto r = std::from_chars(idx.data(), idx.data() + idx.size(), v);
        if (r.ec != std::errc() || r.ptr != idx.data() + idx.size())
          return Status::Invalid("bad index '" + std::string(idx) + "' in $json path");
        p.segs.push_back({PathSeg::Kind::kIndex, "", v});
      }
      br = close + 1 < part.size() ? close + 1 : std::string_view::npos;
      if (br != std::string_view::npos && part[br] != '[')
        return Status::Invalid("garbage after ']' in $json path");
    }
    if (slash == std::string_view::npos) break;
    name.remove_prefix(slash + 1);
  }
  for (size_t i = 0; i + 1 < p.segs.size(); ++i)
    if (p.segs[i].kind == PathSeg::Kind::kAppend)
      return Status::Invalid("'[]' only at the end of a $json path");
  return p;
}

JsonStore::~JsonStore() {
  for (auto& [k, v] : vars_) cJSON_Delete(v);
}

std::unique_ptr<MsgExtension> JsonStore::Clone() const {
  auto c = std::make_unique<JsonStore>();
  for (const auto& [k, v] : vars_) c->vars_[k] = cJSON_Duplicate(v, 1);
  return c;
}

JsonStore* JsonStore::Of(MsgContext& ctx, bool create) {
  auto it = ctx.ext.find(kExtKey);
  if (it != ctx.ext.end()) return static_cast<JsonStore*>(it->second.get());
  if (!create) return nullptr;
  auto s = std::make_unique<JsonStore>();
  JsonStore* raw = s.get();
  ctx.ext[kExtKey] = std::move(s);
  return raw;
}

Value JsonStore::Get(const JsonPath& p) const {
  auto it = vars_.find(p.var);
  if (it == vars_.end()) return Value::Null();
  const cJSON* cur = it->second;
  for (const auto& s : p.segs) {
    if (!cur) return Value::Null();
    if (s.kind == PathSeg::Kind::kKey) {
      cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, s.key.c_str()) : nullptr;
    } else if (s.kind == PathSeg::Kind::kIndex) {
      int i = cJSON_IsArray(cur) ? ArrayIndex(cur, s.index) : -1;
      cur = i >= 0 ? cJSON_GetArrayItem(cur, i) : nullptr;
    } else {
      return Value::Null();
    }
  }
  if (!cur || cJSON_IsNull(cur)) return Value::Null();
  if (cJSON_IsString(cur)) return Value::Str(cur->valuestring);
  if (cJSON_IsNumber(cur)) {
    double d = cur->valuedouble;
    if (std::floor(d) == d && std::fabs(d) < 9.0e15) return Value::Int(static_cast<int64_t>(d));
  }
  return Value::Str(Print(cur));
}

Status JsonStore::Set(const JsonPath& p, const Value& v, bool parse_json) {
  cJSON* item = nullptr;
  if (!v.is_null()) {
    if (v.is_int()) {
      item = cJSON_CreateNumber(static_cast<double>(v.int_value()));
    } else if (parse_json) {
      item = cJSON_ParseWithLength(v.str_value().data(), v.str_value().size());
      if (!item) return Status::Invalid("$json(" + p.var + "): value is not valid JSON");
    } else {
      item = cJSON_CreateString(v.str_value().c_str());
    }
  }
  if (p.segs.empty()) {
    auto it = vars_.find(p.var);
    if (it != vars_.end()) {
      cJSON_Delete(it->second);
      vars_.erase(it);
    }
    if (item) vars_[p.var] = item;
    return Status::Ok();
  }
  cJSON*& root = vars_[p.var];
  if (!root)
    root = p.segs[0].kind == PathSeg::Kind::kKey ? cJSON_CreateObject() : cJSON_CreateArray();
  cJSON* cur = root;
  for (size_t i = 0; i < p.segs.size(); ++i) {
    const PathSeg& s = p.segs[i];
    bool last = i + 1 == p.segs.size();
    if (s.kind == PathSeg::Kind::kKey) {
      if (!cJSON_IsObject(cur)) {
        cJSON_Delete(item);
        return Status::Invalid("$json: '" + s.key + "' is not inside an object");
      }
      if (last) {
        if (!item) {
          cJSON_DeleteItemFromObjectCaseSensitive(cur, s.key.c_str());
        } else if (cJSON_GetObjectItemCaseSensitive(cur, s.key.c_str())) {
          cJSON_ReplaceItemInObjectCaseSensitive(cur, s.key.c_str(), item);
        } else {
          cJSON_AddItemToObject(cur, s.key.c_str(), item);
        }
        return Status::Ok();
      }
      cJSON* next = cJSON_GetObjectItemCaseSensitive(cur, s.key.c_str());
      if (!next) {
        next =
            p.segs[i + 1].kind == PathSeg::Kind::kKey ? cJSON_CreateObject() : cJSON_CreateArray();
        cJSON_AddItemToObject(cur, s.key.c_str(), next);
      }
      cur = next;
    } else if (s.kind == PathSeg::Kind::kAppend) {
      if (!cJSON_IsArray(cur) || !item) {
        cJSON_Delete(item);
        return Status::Invalid("$json: append needs an array and a value");
      }
      cJSON_AddItemToArray(cur, item);
      return Status::Ok();
    } else {
      int idx = cJSON_IsArray(cur) ? ArrayIndex(cur, s.index) : -1;
      if (idx < 0) {
        cJSON_Delete(item);
        return Status::Invalid("$json: index " + std::to_string(s.index) + " out of range");
      }
      if (last) {
        if (item)
          cJSON_ReplaceItemInArray(cur, idx, item);
        else
          cJSON_DeleteItemFromArray(cur, idx);
        return Status::Ok();
      }
      cur = cJSON_GetArrayItem(cur, idx);
    }
  }
  cJSON_Delete(item);
  return Status::Ok();
}

}  // namespace sipcapd::json
