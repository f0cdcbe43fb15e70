// textops logic on a MsgContext: regex search over the whole message or the
// body, and sed-like substitution ('/re/repl/flags', flags g and i, \0..\9
// back-references in repl). Edits fix Content-Length and reset ctx.sip.
#pragma once

#include <regex>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/msg/msg_context.h"

namespace sipcapd::textops {

int Search(MsgContext& ctx, const std::regex& re);
int SearchBody(MsgContext& ctx, const std::regex& re);

struct Subst {
  std::regex re;
  std::string repl;  // in std::regex format ($1 ...)
  bool global = false;
};
// Parses "/re/repl/flags" (any delimiter: the first character).
Result<Subst> ParseSubst(std::string_view expr);
// Returns 1 when at least one replacement was made, -1 otherwise.
int ApplySubst(MsgContext& ctx, const Subst& s);

}  // namespace sipcapd::textops
