// sipmsgops logic as plain functions over a MsgContext (unit-tested
// directly). Return values follow script rules: 1 true, -1 false.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/msg/msg_context.h"

namespace sipcapd::sipmsgops {

// "INVITE|REGISTER" -> {"INVITE","REGISTER"} (empty items dropped).
std::vector<std::string> SplitMethods(std::string_view list);
// Request method (reply: CSeq method) is one of `methods` (case-insensitive).
int IsMethod(MsgContext& ctx, const std::vector<std::string>& methods);
int HasToTag(MsgContext& ctx);
int IsPresentHf(MsgContext& ctx, std::string_view name);
int AppendHf(MsgContext& ctx, std::string_view text);
// Removes every header with that name; -1 when none was present.
int RemoveHf(MsgContext& ctx, std::string_view name);

}  // namespace sipcapd::sipmsgops
