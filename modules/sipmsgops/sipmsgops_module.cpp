// sipmsgops: is_method, has_totag, is_present_hf, append_hf, remove_hf.
#include <memory>

#include "core/module/module_api.h"
#include "modules/sipmsgops/sipmsgops_funcs.h"

namespace sipcapd::sipmsgops {
namespace {

ModuleExports* Create() {
  auto* m = new ModuleExports;
  m->name = "sipmsgops";
  const uint32_t any_sip =
      kRequestRoute | kFailureRoute | kOnReplyRoute | kBranchRoute | kErrorRoute | kLocalRoute;
  FunctionExport is_method;
  is_method.name = "is_method";
  ArgSpec list{ArgType::kStr};
  list.fixup = [](const Value& c, std::any& out) -> Status {
    auto v = SplitMethods(c.str_value());
    if (v.empty()) return Status::Invalid("empty method list");
    out = std::move(v);
    return Status::Ok();
  };
  is_method.args = {list};
  is_method.route_mask = any_sip;
  is_method.fn = [](MsgContext& ctx, const CallArgs& a) -> int {
    if (const auto* f = a.FixedAs<std::vector<std::string>>(0)) return IsMethod(ctx, *f);
    return IsMethod(ctx, SplitMethods(a.Str(0)));
  };
  FunctionExport has_totag;
  has_totag.name = "has_totag";
  has_totag.route_mask = any_sip;
  has_totag.fn = [](MsgContext& ctx, const CallArgs&) { return HasToTag(ctx); };
  FunctionExport present;
  present.name = "is_present_hf";
  present.args = {ArgSpec{ArgType::kStr}};
  present.route_mask = any_sip;
  present.fn = [](MsgContext& ctx, const CallArgs& a) { return IsPresentHf(ctx, a.Str(0)); };
  FunctionExport append;
  append.name = "append_hf";
  append.args = {ArgSpec{ArgType::kStr}};
  append.route_mask = any_sip;
  append.fn = [](MsgContext& ctx, const CallArgs& a) { return AppendHf(ctx, a.Str(0)); };
  FunctionExport remove;
  remove.name = "remove_hf";
  remove.args = {ArgSpec{ArgType::kStr}};
  remove.route_mask = any_sip;
  remove.fn = [](MsgContext& ctx, const CallArgs& a) { return RemoveHf(ctx, a.Str(0)); };
  m->functions = {is_method, has_totag, present, append, remove};
  return m;
}

}  // namespace
}  // namespace sipcapd::sipmsgops

SIPCAPD_MODULE("sipmsgops", ::sipcapd::sipmsgops::Create);
