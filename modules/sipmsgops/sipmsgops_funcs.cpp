#include "modules/sipmsgops/sipmsgops_funcs.h"

#include <strings.h>

#include "core/proxy/msg_edit.h"
#include "core/sip/msg_helpers.h"

namespace sipcapd::sipmsgops {

std::vector<std::string> SplitMethods(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    size_t e = list.find('|');
    std::string_view item = list.substr(0, e);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (e == std::string_view::npos) break;
    list.remove_prefix(e + 1);
  }
  return out;
}

int IsMethod(MsgContext& ctx, const std::vector<std::string>& methods) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return -1;
  std::string_view me = sip::Method(*m);
  for (const auto& x : methods)
    if (x.size() == me.size() && strncasecmp(x.data(), me.data(), me.size()) == 0) return 1;
  return -1;
}

int HasToTag(MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return -1;
  const sip::NameAddr* to = m->To();
  return to && !to->tag.empty() ? 1 : -1;
}

int IsPresentHf(MsgContext& ctx, std::string_view name) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return -1;
  return m->FindByName(name) ? 1 : -1;
}

int AppendHf(MsgContext& ctx, std::string_view text) {
  if (text.empty()) return -1;
  return proxy::AppendHeader(ctx, text).ok() ? 1 : -1;
}

int RemoveHf(MsgContext& ctx, std::string_view name) {
  return proxy::RemoveHeaders(ctx, name) > 0 ? 1 : -1;
}

}  // namespace sipcapd::sipmsgops
