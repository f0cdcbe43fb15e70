// Statement / expression evaluation. OpenSIPS semantics: a function result
// >0 is true, <0 false and 0 stops the script; exit/drop stop everything;
// return(n) leaves the current route. All per-run state is in RunState.
#include "core/script/interp.h"

#include <thread>

#include "core/base/log.h"
#include "core/script/engine.h"

namespace sipcapd::script {
namespace {

using EK = cfg::Expr::Kind;
using SK = cfg::Stmt::Kind;

enum class Flow { kNext, kBreak, kReturn, kExit };

struct RunState {
  MsgContext& ctx;
  int depth = 0;
  Flow flow = Flow::kNext;
  bool dropped = false;
  int64_t ret = 1;
};

// The CallArgs a handler sees; evaluates arguments lazily.
class RunArgs : public CallArgs {
 public:
  RunArgs(const CCall& c, MsgContext& ctx) : c_(c), ctx_(ctx) {}
  size_t size() const override { return c_.args.size(); }
  bool Has(size_t i) const override { return i < c_.args.size(); }
  bool GetInt(size_t i, int64_t* out) const override {
    if (!Has(i)) return false;
    auto n = Get(i).AsInt();
    if (!n) return false;
    *out = *n;
    return true;
  }
  std::string Str(size_t i) const override {
    if (!Has(i)) return std::string();
    const CArg& a = c_.args[i];
    if (a.use_fmt) return a.fmt.Eval(ctx_);
    return Get(i).AsString();
  }
  Value Get(size_t i) const override {
    if (!Has(i)) return Value();
    const CArg& a = c_.args[i];
    if (a.is_const) return a.constant;
    if (a.pv) return a.pv->Get(ctx_);
    if (a.use_fmt) return Value::Str(a.fmt.Eval(ctx_));
    return Value();
  }
  const PvHandle* Var(size_t i) const override { return Has(i) ? c_.args[i].pv.get() : nullptr; }
  const std::regex* Regex(size_t i) const override {
    if (!Has(i)) return nullptr;
    if (c_.args[i].re) return c_.args[i].re.get();
    try {
      dyn_re_.push_back(std::make_unique<std::regex>(
          Str(i), std::regex::extended | std::regex::icase | std::regex::nosubs));
    } catch (const std::regex_error&) {
      LOG_ERR("script", "%s:%d: bad regular expression \"%s\"", c_.loc.file.c_str(), c_.loc.line,
              Str(i).c_str());
      return nullptr;
    }
    return dyn_re_.back().get();
  }
  const std::any* Fixed(size_t i) const override {
    return Has(i) && c_.args[i].has_fixed ? &c_.args[i].fixed : nullptr;
  }

 private:
  const CCall& c_;
  MsgContext& ctx_;
  mutable std::vector<std::unique_ptr<std::regex>> dyn_re_;
};

void ExecList(const CStmtList& list, size_t from, RunState& st);
Value Eval(const CExpr& e, RunState& st);
bool Cond(const CExpr& e, RunState& st);

bool Truth(const Value& v) {
  if (v.is_int()) return v.int_value() != 0;
  if (v.is_str()) return !v.str_value().empty();
  return false;
}

int64_t ToInt(const Value& v) { return v.AsInt().value_or(0); }

bool Equal(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.is_str() || b.is_str()) return a.AsString() == b.AsString();
  return a.int_value() == b.int_value();
}

int CallFunction(const CCall& c, RunState& st) {
  RunArgs args(c, st.ctx);
  int r = c.fn.fn(st.ctx, args);
  st.ctx.last_retcode = r;
  if (r == 0) st.flow = Flow::kExit;
  return r;
}

int64_t CallRoute(const CRoute& r, RunState& st) {
  if (st.depth >= Engine::kMaxRouteDepth) {
    LOG_ERR("script", "%s:%d: route(%s): too many nested route calls (%d), stopping script",
            r.loc.file.c_str(), r.loc.line, r.name.c_str(), Engine::kMaxRouteDepth);
    st.flow = Flow::kExit;
    return -1;
  }
  ++st.depth;
  st.ret = 1;
  ExecList(r.body, 0, st);
  --st.depth;
  if (st.flow == Flow::kExit) return 0;
  st.flow = Flow::kNext;
  int64_t ret = st.ret;
  st.ctx.last_retcode = ret;
  return ret;
}

bool RegexMatch(const CExpr& e, RunState& st) {
  std::string subject = Eval(*e.kids[0], st).AsString();
  if (e.re) return regexec(&e.re->re, subject.c_str(), 0, nullptr, 0) == 0;
  std::string pat = Eval(*e.kids[1], st).AsString();
  PosixRegex re;
  if (regcomp(&re.re, pat.c_str(), REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) {
    LOG_ERR("script", "%s:%d:%d: bad regular expression \"%s\"", e.loc.file.c_str(), e.loc.line,
            e.loc.col, pat.c_str());
    return false;
  }
  re.ok = true;
  return regexec(&re.re, subject.c_str(), 0, nullptr, 0) == 0;
}

Value Arith(const std::string& op, const Value& a, const Value& b, const cfg::Loc& loc) {
  if (op == "+" && (a.is_str() || b.is_str()))
    return Value::Str((a.is_null() ? "" : a.AsString()) + (b.is_null() ? "" : b.AsString()));
  int64_t x = ToInt(a), y = ToInt(b);
  if (op == "+")
    return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y)));
  if (op == "-")
    return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y)));
  if (op == "*")
    return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)));
  if (op == "&") return Value::Int(x & y);
  if (op == "|") return Value::Int(x | y);
  if (y == 0 || (x == INT64_MIN && y == -1)) {
    LOG_ERR("script", "%s:%d:%d: division by zero", loc.file.c_str(), loc.line, loc.col);
    return Value::Int(0);
  }
  return Value::Int(op == "/" ? x / y : x % y);
}

Value Eval(const CExpr& e, RunState& st) {
  switch (e.kind) {
    case EK::kInt:
    case EK::kStr: return e.constant;
    case EK::kNull: return Value();
    case EK::kPv: return e.pv->Get(st.ctx);
    case EK::kCall: return Value::Int(CallFunction(*e.call, st));
    case EK::kRoute: return Value::Int(CallRoute(*e.route, st));
    case EK::kUnary:
      if (e.op == "!") return Value::Int(!Cond(*e.kids[0], st));
      return Value::Int(
          static_cast<int64_t>(0 - static_cast<uint64_t>(ToInt(Eval(*e.kids[0], st)))));
    case EK::kBinary: break;
  }
  const std::string& op = e.op;
  if (op == "&&" || op == "||" || op == "=~" || op == "!~") return Value::Int(Cond(e, st));
  Value a = Eval(*e.kids[0], st);
  if (st.flow != Flow::kNext) return Value();
  Value b = Eval(*e.kids[1], st);
  if (st.flow != Flow::kNext) return Value();
  if (op == "==") return Value::Int(Equal(a, b));
  if (op == "!=") return Value::Int(!Equal(a, b));
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    int c;
    auto x = a.AsInt(), y = b.AsInt();
    if (x && y) {
      c = *x < *y ? -1 : *x > *y ? 1 : 0;
    } else {
      int r = a.AsString().compare(b.AsString());
      c = r < 0 ? -1 : r > 0 ? 1 : 0;
    }
    if (op == "<") return Value::Int(c < 0);
    if (op == ">") return Value::Int(c > 0);
    if (op == "<=") return Value::Int(c <= 0);
    return Value::Int(c >= 0);
  }
  return Arith(op, a, b, e.loc);
}

bool Cond(const CExpr& e, RunState& st) {
  switch (e.kind) {
    case EK::kCall: return CallFunction(*e.call, st) > 0;
    case EK::kRoute: return CallRoute(*e.route, st) > 0;
    case EK::kUnary:
      if (e.op == "!") {
        bool r = Cond(*e.kids[0], st);
        return st.flow == Flow::kNext ? !r : false;
      }
      break;
    case EK::kBinary:
      if (e.op == "&&") {
        return Cond(*e.kids[0], st) && st.flow == Flow::kNext && Cond(*e.kids[1], st);
      }
      if (e.op == "||") {
        bool a = Cond(*e.kids[0], st);
        if (st.flow != Flow::kNext) return false;
        return a || Cond(*e.kids[1], st);
      }
      if (e.op == "=~") return RegexMatch(e, st);
      if (e.op == "!~") return !RegexMatch(e, st);
      break;
    default: break;
  }
  return Truth(Eval(e, st));
}

void RunAsync(const CStmt& s, RunState& st) {
  const CCall& c = *s.call;
  const CRoute* resume = s.resume;
  if (!c.fn.async_fn) {
    int r = CallFunction(c, st);
    if (st.flow == Flow::kExit) return;
    st.ctx.last_retcode = r;
    RunCompiledRoute(*resume, kRequestRoute, st.ctx);
    st.flow = Flow::kExit;
    return;
  }
  std::shared_ptr<MsgContext> held(st.ctx.Clone());
  RunArgs args(c, st.ctx);
  // The worker's $var store must not be touched from another thread: a
  // resume that runs elsewhere uses that thread's own store.
  const std::thread::id worker = std::this_thread::get_id();
  int r = c.fn.async_fn(st.ctx, args, [held, resume, worker](int rc) {
    if (std::this_thread::get_id() != worker) held->vars = nullptr;
    held->last_retcode = rc;
    RunCompiledRoute(*resume, kRequestRoute, *held);
  });
  if (r <= 0) {
    st.ctx.last_retcode = r;
    RunCompiledRoute(*resume, kRequestRoute, st.ctx);
  }
  st.flow = Flow::kExit;
}

void Assign(const CStmt& s, RunState& st) {
  Value v = Eval(*s.expr, st);
  if (st.flow != Flow::kNext) return;
  Status r;
  if (s.op == "=") {
    r = s.pv->Assign(st.ctx, v, false);
  } else if (s.op == ":=") {
    r = s.pv->Assign(st.ctx, v, true);
  } else {
    Value cur = s.pv->Get(st.ctx);
    Value nv = s.op == "+=" ? Arith("+", cur, v, s.loc) : Arith("-", cur, v, s.loc);
    r = s.pv->Assign(st.ctx, nv, true);
  }
  if (!r.ok())
    LOG_ERR("script", "%s:%d:%d: assignment to %s failed: %s", s.loc.file.c_str(), s.loc.line,
            s.loc.col, s.pv->Name().c_str(), r.message().c_str());
}

void Exec(const CStmt& s, RunState& st) {
  switch (s.kind) {
    case SK::kExpr:
      if (s.expr->kind == EK::kCall)
        CallFunction(*s.expr->call, st);
      else
        Eval(*s.expr, st);
      break;
    case SK::kIf: {
      bool c = Cond(*s.expr, st);
      if (st.flow != Flow::kNext) return;
      ExecList(c ? s.body : s.else_body, 0, st);
      break;
    }
    case SK::kWhile: {
      for (int n = 0;; ++n) {
        if (n >= Engine::kMaxLoopIterations) {
          LOG_ERR("script", "%s:%d:%d: while loop stopped after %d iterations", s.loc.file.c_str(),
                  s.loc.line, s.loc.col, Engine::kMaxLoopIterations);
          break;
        }
        bool c = Cond(*s.expr, st);
        if (st.flow != Flow::kNext || !c) break;
        ExecList(s.body, 0, st);
        if (st.flow == Flow::kBreak) {
          st.flow = Flow::kNext;
          break;
        }
        if (st.flow != Flow::kNext) break;
      }
      break;
    }
    case SK::kSwitch: {
      Value v = Eval(*s.expr, st);
      if (st.flow != Flow::kNext) return;
      long start = s.default_index;
      for (const auto& [cv, idx] : s.cases) {
        if (Equal(v, cv)) {
          start = static_cast<long>(idx);
          break;
        }
      }
      if (start < 0) return;
      ExecList(s.body, static_cast<size_t>(start), st);
      if (st.flow == Flow::kBreak) st.flow = Flow::kNext;
      break;
    }
    case SK::kBlock: ExecList(s.body, 0, st); break;
    case SK::kAssign: Assign(s, st); break;
    case SK::kExit: st.flow = Flow::kExit; break;
    case SK::kDrop:
      st.flow = Flow::kExit;
      st.dropped = true;
      break;
    case SK::kBreak: st.flow = Flow::kBreak; break;
    case SK::kReturn: {
      int64_t r = 1;
      if (s.expr) {
        Value v = Eval(*s.expr, st);
        if (st.flow != Flow::kNext) return;
        r = ToInt(v);
      }
      if (r == 0) {
        st.flow = Flow::kExit;  // return(0) stops the script (OpenSIPS)
      } else {
        st.flow = Flow::kReturn;
        st.ret = r;
      }
      break;
    }
    case SK::kAsync: RunAsync(s, st); break;
  }
}

void ExecList(const CStmtList& list, size_t from, RunState& st) {
  for (size_t i = from; i < list.size(); ++i) {
    Exec(*list[i], st);
    if (st.flow != Flow::kNext) return;
  }
}

}  // namespace

ScriptRunner::Outcome RunCompiledRoute(const CRoute& route, uint32_t type, MsgContext& ctx) {
  thread_local VarStore fallback_vars;
  bool own_vars = ctx.vars == nullptr;
  if (own_vars) ctx.vars = &fallback_vars;
  ctx.route_type = type;
  RunState st{ctx};
  ExecList(route.body, 0, st);
  if (own_vars) ctx.vars = nullptr;
  ScriptRunner::Outcome o;
  o.dropped = st.dropped;
  o.exited = st.flow == Flow::kExit;
  o.ret = st.flow == Flow::kReturn ? static_cast<int>(st.ret) : (o.exited ? 0 : 1);
  return o;
}

}  // namespace sipcapd::script
