// textops: search(re), search_body(re), subst('/re/repl/flags').
#include <memory>

#include "core/module/module_api.h"
#include "modules/textops/textops_funcs.h"

namespace sipcapd::textops {
namespace {

ModuleExports* Create() {
  auto* m = new ModuleExports;
  m->name = "textops";
  const uint32_t any_sip =
      kRequestRoute | kFailureRoute | kOnReplyRoute | kBranchRoute | kErrorRoute | kLocalRoute;
  FunctionExport search;
  search.name = "search";
  search.args = {ArgSpec{ArgType::kRegex}};
  search.route_mask = any_sip;
  search.fn = [](MsgContext& ctx, const CallArgs& a) -> int {
    const std::regex* re = a.Regex(0);
    return re ? Search(ctx, *re) : -1;
  };
  FunctionExport body = search;
  body.name = "search_body";
  body.fn = [](MsgContext& ctx, const CallArgs& a) -> int {
    const std::regex* re = a.Regex(0);
    return re ? SearchBody(ctx, *re) : -1;
  };
  FunctionExport subst;
  subst.name = "subst";
  ArgSpec expr{ArgType::kStr};
  expr.const_only = true;
  expr.fixup = [](const Value& c, std::any& out) -> Status {
    auto s = ParseSubst(c.str_value());
    if (!s.ok()) return s.status();
    out = std::make_shared<Subst>(std::move(s).value());
    return Status::Ok();
  };
  subst.args = {expr};
  subst.route_mask = any_sip;
  subst.fn = [](MsgContext& ctx, const CallArgs& a) -> int {
    const auto* s = a.FixedAs<std::shared_ptr<Subst>>(0);
    return s ? ApplySubst(ctx, **s) : -1;
  };
  m->functions = {search, body, subst};
  return m;
}

}  // namespace
}  // namespace sipcapd::textops

SIPCAPD_MODULE("textops", ::sipcapd::textops::Create);
