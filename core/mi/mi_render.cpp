#include "core/mi/mi_render.h"

#include <cjson/cJSON.h>

#include <cmath>
#include <cstdio>

namespace sipcapd::mi {

namespace {

constexpr const char* kValueKey = "@value";
constexpr const char* kAttrsKey = "@attrs";

bool IsHint(const cJSON* member) {
  return member->string && (std::string_view(member->string) == kValueKey ||
                            std::string_view(member->string) == kAttrsKey);
}

class TextWriter {
 public:
  TextWriter(std::string* out, std::string_view indent) : out_(out), indent_(indent) {}

  void Body(const cJSON* body) {
    if (!body || cJSON_IsNull(body)) return;
    if (cJSON_IsObject(body)) {
      Members(body, 0);
    } else if (cJSON_IsArray(body)) {
      const cJSON* el;
      cJSON_ArrayForEach(el, body) Node(nullptr, el, 0);
    } else {
      Node(nullptr, body, 0);
    }
  }

 private:
  void Members(const cJSON* obj, int depth) {
    const cJSON* m;
    cJSON_ArrayForEach(m, obj) {
      if (IsHint(m)) continue;
      if (cJSON_IsArray(m)) {
        const cJSON* el;
        cJSON_ArrayForEach(el, m) Node(m->string, el, depth);
      } else {
        Node(m->string, m, depth);
      }
    }
  }

  void Head(const char* name, int depth) {
    for (int d = 0; d < depth; ++d) out_->append(indent_);
    if (name) {
      out_->append(name);
      out_->append(":: ");
    }
  }

  void Node(const char* name, const cJSON* v, int depth) {
    Head(name, depth);
    if (cJSON_IsObject(v)) {
      const cJSON* value = cJSON_GetObjectItemCaseSensitive(v, kValueKey);
      if (value) out_->append(ScalarText(value));
      const cJSON* attrs = cJSON_GetObjectItemCaseSensitive(v, kAttrsKey);
      if (cJSON_IsObject(attrs)) {
        const cJSON* a;
        cJSON_ArrayForEach(a, attrs) {
          out_->push_back(' ');
          out_->append(a->string);
          out_->push_back('=');
          out_->append(ScalarText(a));
        }
      }
      out_->push_back('\n');
      Members(v, depth + 1);
    } else if (cJSON_IsArray(v)) {
      out_->push_back('\n');
      const cJSON* el;
      cJSON_ArrayForEach(el, v) Node(nullptr, el, depth + 1);
    } else {
      out_->append(ScalarText(v));
      out_->push_back('\n');
    }
  }

  std::string* out_;
  std::string_view indent_;
};

void FlattenInto(cJSON* j) {
  if (cJSON_IsArray(j)) {
    cJSON* el;
    cJSON_ArrayForEach(el, j) FlattenInto(el);
    return;
  }
  if (!cJSON_IsObject(j)) return;
  if (cJSON* attrs = cJSON_DetachItemFromObjectCaseSensitive(j, kAttrsKey)) {
    if (cJSON_IsObject(attrs)) {
      while (cJSON* a = attrs->child) {
        cJSON_DetachItemViaPointer(attrs, a);
        std::string key = a->string ? a->string : "";
        cJSON_AddItemToObject(j, key.c_str(), a);
      }
    }
    cJSON_Delete(attrs);
  }
  if (cJSON* value = cJSON_DetachItemFromObjectCaseSensitive(j, kValueKey))
    cJSON_AddItemToObject(j, "value", value);
  cJSON* m;
  cJSON_ArrayForEach(m, j) FlattenInto(m);
}

std::string Print(cJSON* root, bool pretty) {
  char* s = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
  std::string out = s ? s : "";
  cJSON_free(s);
  return out;
}

cJSON* NewResponse() {
  cJSON* root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "jsonrpc", "2.0");
  return root;
}

void AddId(cJSON* root, const cJSON* id) {
  cJSON_AddItemToObject(root, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull());
}

}  // namespace

std::string ScalarText(const cJSON* j) {
  if (cJSON_IsString(j)) return j->valuestring;
  if (cJSON_IsBool(j)) return cJSON_IsTrue(j) ? "true" : "false";
  if (cJSON_IsNumber(j)) {
    double d = j->valuedouble;
    char buf[64];
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
      std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(d));
    else
      std::snprintf(buf, sizeof(buf), "%.17g", d);
    return buf;
  }
  return "";
}

std::string RenderText(const MiResult& result, std::string_view indent) {
  std::string out = std::to_string(result.code);
  out.push_back(' ');
  out.append(result.reason);
  out.push_back('\n');
  TextWriter(&out, indent).Body(result.body.get());
  out.push_back('\n');
  return out;
}

JsonPtr FlattenHints(const cJSON* body) {
  if (!body) return nullptr;
  JsonPtr copy(cJSON_Duplicate(body, true));
  FlattenInto(copy.get());
  return copy;
}

std::string RenderJsonRpc(const MiResult& result, const cJSON* id, bool pretty) {
  if (result.code < 200 || result.code > 299)
    return RenderJsonRpcError(result.code, result.reason, "", id, pretty);
  JsonPtr root(NewResponse());
  if (result.body && !cJSON_IsNull(result.body.get()))
    cJSON_AddItemToObject(root.get(), "result", FlattenHints(result.body.get()).release());
  else
    cJSON_AddStringToObject(root.get(), "result", "OK");
  AddId(root.get(), id);
  return Print(root.get(), pretty);
}

std::string RenderJsonRpcError(int code, std::string_view message, std::string_view data,
                               const cJSON* id, bool pretty) {
  JsonPtr root(NewResponse());
  cJSON* err = cJSON_AddObjectToObject(root.get(), "error");
  cJSON_AddNumberToObject(err, "code", code);
  cJSON_AddStringToObject(err, "message", std::string(message).c_str());
  if (!data.empty()) cJSON_AddStringToObject(err, "data", std::string(data).c_str());
  AddId(root.get(), id);
  return Print(root.get(), pretty);
}

}  // namespace sipcapd::mi
