// json: the $json(name/path) pseudo-variable (see json_store.h).
#include <memory>

#include "core/module/module_api.h"
#include "modules/json/json_store.h"

namespace sipcapd::json {
namespace {

ModuleExports* Create() {
  auto* m = new ModuleExports;
  m->name = "json";
  PvExport pv;
  pv.name = "json";
  pv.name_mode = PvExport::NameMode::kRequired;
  pv.parse_name = [](std::string_view name, std::any& out) -> Status {
    auto p = ParseJsonPath(name);
    if (!p.ok()) return p.status();
    out = std::move(p).value();
    return Status::Ok();
  };
  pv.get = [](MsgContext& ctx, const PvArgs& a) -> Value {
    const auto* p = std::any_cast<JsonPath>(&a.parsed);
    JsonStore* s = JsonStore::Of(ctx, false);
    return p && s ? s->Get(*p) : Value::Null();
  };
  pv.set = [](MsgContext& ctx, const PvArgs& a, const Value& v, bool replace) -> Status {
    const auto* p = std::any_cast<JsonPath>(&a.parsed);
    if (!p) return Status::Internal("$json without a parsed path");
    return JsonStore::Of(ctx, true)->Set(*p, v, replace);
  };
  m->pvs = {pv};
  return m;
}

}  // namespace
}  // namespace sipcapd::json

SIPCAPD_MODULE("json", ::sipcapd::json::Create);
