#include "modules/textops/textops_funcs.h"

#include "core/proxy/msg_edit.h"

namespace sipcapd::textops {

int Search(MsgContext& ctx, const std::regex& re) {
  return std::regex_search(ctx.buf, re) ? 1 : -1;
}

int SearchBody(MsgContext& ctx, const std::regex& re) {
  size_t he = proxy::HeadersEnd(ctx.buf);
  if (he == std::string::npos) return -1;
  size_t b = he + (ctx.buf.compare(he, 2, "\r\n") == 0 ? 2 : 1);
  if (b >= ctx.buf.size()) return -1;
  return std::regex_search(ctx.buf.begin() + static_cast<std::ptrdiff_t>(b), ctx.buf.end(), re)
             ? 1
             : -1;
}

Result<Subst> ParseSubst(std::string_view expr) {
  if (expr.size() < 3) return Status::Invalid("subst expression too short");
  char d = expr[0];
  std::string parts[3];
  int idx = 0;
  for (size_t i = 1; i < expr.size(); ++i) {
    char c = expr[i];
    if (c == '\\' && i + 1 < expr.size() && expr[i + 1] == d) {
      parts[idx] += d;
      ++i;
    } else if (c == d) {
      if (++idx > 2) return Status::Invalid("too many delimiters in subst expression");
    } else {
      parts[idx] += c;
    }
  }
  if (idx != 2) return Status::Invalid("subst expression must be /re/repl/flags");
  Subst s;
  auto flags = std::regex::extended;
  for (char f : parts[2]) {
    if (f == 'g')
      s.global = true;
    else if (f == 'i')
      flags |= std::regex::icase;
    else
      return Status::Invalid(std::string("unknown subst flag '") + f + "'");
  }
  try {
    s.re = std::regex(parts[0], flags);
  } catch (const std::regex_error& e) {
    return Status::Invalid("bad regex '" + parts[0] + "': " + e.what());
  }
  // \N -> $N, '$' -> '$$'.
  const std::string& r = parts[1];
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] == '\\' && i + 1 < r.size() && r[i + 1] >= '0' && r[i + 1] <= '9') {
      s.repl += r[i + 1] == '0' ? std::string("$&") : std::string("$") + r[i + 1];
      ++i;
    } else if (r[i] == '\\' && i + 1 < r.size() && r[i + 1] == 'n') {
      s.repl += '\n';
      ++i;
    } else if (r[i] == '\\' && i + 1 < r.size() && r[i + 1] == 'r') {
      s.repl += '\r';
      ++i;
    } else if (r[i] == '$') {
      s.repl += "$$";
    } else {
      s.repl += r[i];
    }
  }
  return s;
}

int ApplySubst(MsgContext& ctx, const Subst& s) {
  if (!std::regex_search(ctx.buf, s.re)) return -1;
  auto fl =
      s.global ? std::regex_constants::format_default : std::regex_constants::format_first_only;
  proxy::SetBuffer(ctx, std::regex_replace(ctx.buf, s.re, s.repl, fl));
  return 1;
}

}  // namespace sipcapd::textops
