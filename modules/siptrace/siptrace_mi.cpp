#include "modules/siptrace/siptrace_mi.h"

#include <cjson/cJSON.h>
#include <strings.h>

namespace sipcapd::siptrace {
namespace {

// 1 on, 0 off, -1 neither (case-insensitive, exact length).
int Mode(const std::string& s) {
  if (strcasecmp(s.c_str(), "on") == 0) return 1;
  if (strcasecmp(s.c_str(), "off") == 0) return 0;
  return -1;
}

MiResult Listing(Tracer& t, const std::string& only_id) {
  JsonPtr root(cJSON_CreateObject());
  if (only_id.empty()) cJSON_AddStringToObject(root.get(), "global", t.global_on() ? "on" : "off");
  for (const auto& d : t.Describe(only_id)) {
    cJSON* arr = cJSON_GetObjectItemCaseSensitive(root.get(), d.id.c_str());
    if (!arr) arr = cJSON_AddArrayToObject(root.get(), d.id.c_str());
    cJSON* node = cJSON_CreateObject();
    cJSON* attrs = cJSON_AddObjectToObject(node, "@attrs");
    cJSON_AddStringToObject(attrs, "type", d.type.c_str());
    cJSON_AddStringToObject(attrs, "uri", d.uri.c_str());
    cJSON_AddStringToObject(attrs, "state", d.state.c_str());
    cJSON_AddItemToArray(arr, node);
  }
  return MiResult::Ok(std::move(root));
}

}  // namespace

MiResult MiSipTrace(Tracer& t, const MiParams& p) {
  const auto& a = p.positional;
  if (a.empty()) return Listing(t, "");
  if (a.size() == 1) {
    int m = Mode(a[0]);
    if (m >= 0) {
      t.SetGlobal(m == 1);
      return MiResult::Ok();
    }
    if (!t.HasId(a[0])) return MiResult::Error(400, "Bad parameter");
    return Listing(t, a[0]);
  }
  if (a.size() == 2) {
    int m = Mode(a[1]);
    if (m < 0 || !t.SetIdState(a[0], m == 1)) return MiResult::Error(400, "Bad parameter");
    return MiResult::Ok();
  }
  return MiResult::Error(400, "Bad parameter");
}

MiResult MiTrace3x(Tracer& t, const MiParams& p) {
  const std::string* id = p.Named("id");
  const std::string* mode = p.Named("mode");
  // Positional calls behave like the 2.x command.
  if (!id && !mode && !p.positional.empty()) return MiSipTrace(t, p);
  int m = mode ? Mode(*mode) : -1;
  if (mode && m < 0) return MiResult::Error(500, "Bad parameter value");
  if (id && !t.HasId(*id)) return MiResult::Error(400, "Bad trace id value");
  if (id && mode) {
    t.SetIdState(*id, m == 1);
    return MiResult::Ok();
  }
  if (mode) {
    t.SetGlobal(m == 1);
    return MiResult::Ok();
  }
  return Listing(t, id ? *id : "");
}

}  // namespace sipcapd::siptrace
