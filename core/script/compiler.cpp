// cfg::Script -> Program: name resolution, argument checks and fixups,
// route-type checks. Collects every error instead of stopping at the first.
#include <set>

#include "core/script/program.h"

namespace sipcapd::script {
namespace {

using EK = cfg::Expr::Kind;
using SK = cfg::Stmt::Kind;

std::string RouteLabel(uint32_t type, const std::string& name) {
  std::string s = type == kRequestRoute ? "route" : RouteTypeName(type);
  if (!name.empty()) s += "[" + name + "]";
  return s;
}

// Walks statements/expressions to find route(x) calls and async resumes.
void CollectRouteRefs(const cfg::ExprPtr& e, std::set<std::string>* out) {
  if (!e) return;
  if (e->kind == EK::kRoute) out->insert(e->s);
  for (const auto& a : e->args) CollectRouteRefs(a, out);
}
void CollectRouteRefs(const cfg::StmtList& body, std::set<std::string>* out) {
  for (const auto& s : body) {
    CollectRouteRefs(s->expr, out);
    CollectRouteRefs(s->cond, out);
    CollectRouteRefs(s->then_body, out);
    CollectRouteRefs(s->else_body, out);
    for (const auto& c : s->cases) CollectRouteRefs(c.body, out);
  }
}
void CollectResumes(const cfg::StmtList& body, std::set<std::string>* out) {
  for (const auto& s : body) {
    if (s->kind == SK::kAsync) out->insert(s->route_name);
    CollectResumes(s->then_body, out);
    CollectResumes(s->else_body, out);
    for (const auto& c : s->cases) CollectResumes(c.body, out);
  }
}

class Compiler {
 public:
  explicit Compiler(const Registry& reg) : reg_(reg) {}
  Result<std::unique_ptr<Program>> Run(const cfg::Script& script);

 private:
  void Error(const cfg::Loc& loc, const std::string& msg) {
    errors_.push_back(loc.ToString() + ": " + msg);
  }
  void ComputeMasks(const std::vector<const cfg::RouteBlock*>& blocks);
  CStmtList CompileBody(const cfg::StmtList& body);
  std::unique_ptr<CStmt> CompileStmt(const cfg::Stmt& s);
  std::unique_ptr<CExpr> CompileExpr(const cfg::Expr& e);
  std::unique_ptr<CCall> CompileCall(const cfg::Expr& e, bool async);
  bool CompileArg(const std::string& fname, size_t i, const ArgSpec& spec, const cfg::Expr& e,
                  CArg* out);
  std::shared_ptr<PvSpec> CompilePv(const cfg::PvRef& ref, const cfg::Loc& loc);

  const Registry& reg_;
  std::vector<std::string> errors_;
  std::unique_ptr<Program> prog_;
  std::map<std::string, uint32_t> sub_masks_;  // route[name] -> reaching types
  uint32_t cur_mask_ = kRequestRoute;
  std::string cur_label_;
};

void Compiler::ComputeMasks(const std::vector<const cfg::RouteBlock*>& blocks) {
  // Edges caller -> callee (callee: route[name] of the request table).
  std::vector<std::pair<const cfg::RouteBlock*, std::set<std::string>>> edges;
  for (const auto* b : blocks) {
    std::set<std::string> refs;
    CollectRouteRefs(b->body, &refs);
    edges.emplace_back(b, std::move(refs));
    std::set<std::string> resumes;
    CollectResumes(b->body, &resumes);
    for (const auto& r : resumes) sub_masks_[r] |= kRequestRoute;
  }
  auto mask_of = [this](const cfg::RouteBlock* b) -> uint32_t {
    if (b->type == kRequestRoute && !b->name.empty()) return sub_masks_[b->name];
    return b->type;
  };
  for (int round = 0; round < 2; ++round) {
    bool changed = true;
    for (int guard = 0; changed && guard < 1000; ++guard) {
      changed = false;
      for (const auto& [caller, refs] : edges) {
        uint32_t m = mask_of(caller);
        for (const auto& r : refs) {
          uint32_t& dst = sub_masks_[r];
          if ((dst | m) != dst) {
            dst |= m;
            changed = true;
          }
        }
      }
    }
    // Sub-routes nobody reaches run as request routes (modules call them).
    for (const auto* b : blocks)
      if (b->type == kRequestRoute && !b->name.empty() && sub_masks_[b->name] == 0)
        sub_masks_[b->name] = kRequestRoute;
  }
}

Result<std::unique_ptr<Program>> Compiler::Run(const cfg::Script& script) {
  prog_ = std::make_unique<Program>();
  std::vector<const cfg::RouteBlock*> blocks;
  for (const auto& item : script.items) {
    const auto* b = std::get_if<cfg::RouteBlock>(&item);
    if (!b) continue;
    auto r = std::make_unique<CRoute>();
    r->type = b->type;
    r->name = b->name;
    r->timer_interval = b->timer_interval;
    r->loc = b->loc;
    auto key = std::make_pair(b->type, b->name);
    if (auto it = prog_->index.find(key); it != prog_->index.end()) {
      Error(b->loc, RouteLabel(b->type, b->name) + " redefined (first defined at " +
                        it->second->loc.ToString() + ")");
      continue;
    }
    prog_->index[key] = r.get();
    prog_->routes.push_back(std::move(r));
    blocks.push_back(b);
  }
  ComputeMasks(blocks);
  for (const auto* b : blocks) {
    CRoute* r = const_cast<CRoute*>(prog_->Find(b->type, b->name));
    cur_mask_ = (b->type == kRequestRoute && !b->name.empty()) ? sub_masks_[b->name] : b->type;
    cur_label_ = RouteLabel(b->type, b->name);
    r->body = CompileBody(b->body);
  }
  if (!errors_.empty()) {
    std::string msg;
    for (const auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
    return Status::Invalid(msg);
  }
  return std::move(prog_);
}

CStmtList Compiler::CompileBody(const cfg::StmtList& body) {
  CStmtList out;
  for (const auto& s : body)
    if (auto c = CompileStmt(*s)) out.push_back(std::move(c));
  return out;
}

std::shared_ptr<PvSpec> Compiler::CompilePv(const cfg::PvRef& ref, const cfg::Loc& loc) {
  auto r = PvSpec::Compile(ref, reg_);
  if (!r.ok()) {
    Error(loc, r.status().message());
    return nullptr;
  }
  return *r;
}

std::unique_ptr<CStmt> Compiler::CompileStmt(const cfg::Stmt& s) {
  auto c = std::make_unique<CStmt>();
  c->kind = s.kind;
  c->loc = s.loc;
  switch (s.kind) {
    case SK::kExpr: c->expr = CompileExpr(*s.expr); break;
    case SK::kIf:
    case SK::kWhile:
      c->expr = CompileExpr(*s.cond);
      c->body = CompileBody(s.then_body);
      c->else_body = CompileBody(s.else_body);
      break;
    case SK::kBlock: c->body = CompileBody(s.then_body); break;
    case SK::kSwitch: {
      c->expr = CompileExpr(*s.cond);
      for (const auto& cs : s.cases) {
        if (cs.is_default) {
          if (c->default_index >= 0) Error(cs.loc, "duplicate 'default' in switch");
          c->default_index = static_cast<long>(c->body.size());
        } else {
          c->cases.emplace_back(cs.value, c->body.size());
        }
        for (auto& st : CompileBody(cs.body)) c->body.push_back(std::move(st));
      }
      break;
    }
    case SK::kAssign:
      c->pv = CompilePv(s.pv, s.pv_loc);
      if (c->pv && !c->pv->writable())
        Error(s.pv_loc, "cannot assign to read-only pseudo-variable " + s.pv.text);
      c->op = s.op;
      c->expr = CompileExpr(*s.expr);
      break;
    case SK::kReturn:
      if (s.expr) c->expr = CompileExpr(*s.expr);
      break;
    case SK::kAsync: {
      c->call = CompileCall(*s.expr, true);
      c->resume = prog_->Find(kRequestRoute, s.route_name);
      if (!c->resume) Error(s.loc, "unknown resume route '" + s.route_name + "' in async()");
      break;
    }
    case SK::kExit:
    case SK::kDrop:
    case SK::kBreak: break;
  }
  return c;
}

std::unique_ptr<CExpr> Compiler::CompileExpr(const cfg::Expr& e) {
  auto c = std::make_unique<CExpr>();
  c->kind = e.kind;
  c->loc = e.loc;
  c->op = e.op;
  switch (e.kind) {
    case EK::kInt: c->constant = Value::Int(e.i); break;
    case EK::kStr: c->constant = Value::Str(e.s); break;
    case EK::kNull: break;
    case EK::kPv: c->pv = CompilePv(e.pv, e.loc); break;
    case EK::kCall: c->call = CompileCall(e, false); break;
    case EK::kRoute:
      c->route = prog_->Find(kRequestRoute, e.s);
      if (!c->route) Error(e.loc, "unknown route '" + e.s + "' in route()");
      break;
    case EK::kUnary:
    case EK::kBinary:
      for (const auto& a : e.args) c->kids.push_back(CompileExpr(*a));
      if ((e.op == "=~" || e.op == "!~") && e.args.size() == 2 && e.args[1]->kind == EK::kStr) {
        auto re = std::make_shared<PosixRegex>();
        if (regcomp(&re->re, e.args[1]->s.c_str(), REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) {
          Error(e.args[1]->loc, "bad regular expression \"" + e.args[1]->s + "\"");
          break;
        }
        re->ok = true;
        c->re = std::move(re);
      }
      break;
  }
  return c;
}

std::unique_ptr<CCall> Compiler::CompileCall(const cfg::Expr& e, bool async) {
  const FunctionExport* f = reg_.FindFunction(e.s);
  if (!f) {
    Error(e.loc, "unknown function '" + e.s + "'");
    return nullptr;
  }
  auto c = std::make_unique<CCall>();
  c->fn = *f;
  c->loc = e.loc;
  if (!async && !f->fn) Error(e.loc, "function '" + e.s + "' can only be called via async()");
  if (f->on_use) {
    Status st = f->on_use();
    if (!st.ok()) Error(e.loc, "'" + e.s + "': " + st.message());
  }
  if ((f->route_mask & cur_mask_) != cur_mask_) {
    uint32_t bad = cur_mask_ & ~f->route_mask;
    uint32_t first = bad & (~bad + 1);
    Error(e.loc,
          "function '" + e.s + "' cannot be used in " + RouteTypeName(first) +
              (cur_label_.rfind("route[", 0) == 0 ? " (" + cur_label_ + " is reached from it)"
                                                  : std::string()));
  }
  size_t mandatory = 0;
  for (const auto& a : f->args)
    if (!a.optional) ++mandatory;
  if (e.args.size() < mandatory) {
    Error(e.loc, "too few arguments for '" + e.s + "': " + std::to_string(e.args.size()) +
                     " given, at least " + std::to_string(mandatory) + " needed");
    return nullptr;
  }
  if (e.args.size() > f->args.size()) {
    Error(e.loc, "too many arguments for '" + e.s + "': " + std::to_string(e.args.size()) +
                     " given, at most " + std::to_string(f->args.size()));
    return nullptr;
  }
  bool ok = true;
  c->args.resize(e.args.size());
  for (size_t i = 0; i < e.args.size(); ++i)
    ok = CompileArg(e.s, i, f->args[i], *e.args[i], &c->args[i]) && ok;
  return ok ? std::move(c) : nullptr;
}

bool Compiler::CompileArg(const std::string& fname, size_t i, const ArgSpec& spec,
                          const cfg::Expr& e, CArg* out) {
  const std::string what = "argument " + std::to_string(i + 1) + " of '" + fname + "'";
  out->type = spec.type;
  auto fail = [&](const std::string& m) {
    Error(e.loc, what + " " + m);
    return false;
  };
  // Normalise: a string made of exactly one PV is that PV.
  std::shared_ptr<PvSpec> pv;
  std::optional<Format> fmt;
  if (e.kind == EK::kPv) {
    pv = CompilePv(e.pv, e.loc);
    if (!pv) return false;
  } else if (e.kind == EK::kStr && !e.bare && spec.type != ArgType::kRoute) {
    auto f = Format::Compile(e.s, reg_);
    if (!f.ok()) return fail(f.status().message());
    if (spec.type != ArgType::kRegex) pv = f->single_pv();
    if (!pv && !f->is_const()) fmt = std::move(*f);
  } else if (e.kind != EK::kInt && e.kind != EK::kStr && e.kind != EK::kNull) {
    return fail("must be a constant or a pseudo-variable");
  }
  bool is_const = !pv && !fmt;
  if (spec.const_only && !is_const) return fail("must be a constant");
  switch (spec.type) {
    case ArgType::kVar:
      if (!pv) return fail("must be a writable pseudo-variable");
      if (!pv->writable())
        return fail("must be a writable pseudo-variable, " + pv->Name() + " is read-only");
      break;
    case ArgType::kInt:
      if (fmt) return fail("must be an integer");
      if (is_const) {
        auto n = e.kind == EK::kInt ? std::optional<int64_t>(e.i) : Value::Str(e.s).AsInt();
        if (e.kind == EK::kNull || !n) return fail("must be an integer, got \"" + e.s + "\"");
        out->constant = Value::Int(*n);
      }
      break;
    case ArgType::kRoute: {
      if (!is_const || e.kind == EK::kNull) return fail("must be a route name");
      std::string name = e.kind == EK::kInt ? std::to_string(e.i) : e.s;
      if (!prog_->Find(spec.route_kind, name))
        return fail("refers to unknown " + RouteLabel(spec.route_kind, name));
      out->constant = Value::Str(name);
      break;
    }
    case ArgType::kRegex:
      if (is_const) {
        if (e.kind != EK::kStr) return fail("must be a regular expression string");
        try {
          out->re = std::make_shared<std::regex>(
              e.s, std::regex::extended | std::regex::icase | std::regex::nosubs);
        } catch (const std::regex_error& ex) {
          return fail("is a bad regular expression: " + std::string(ex.what()));
        }
        out->constant = Value::Str(e.s);
      }
      break;
    case ArgType::kStr:
      if (is_const)
        out->constant = e.kind == EK::kInt    ? Value::Str(std::to_string(e.i))
                        : e.kind == EK::kNull ? Value()
                                              : Value::Str(e.s);
      break;
    case ArgType::kAny:
      if (is_const)
        out->constant = e.kind == EK::kInt    ? Value::Int(e.i)
                        : e.kind == EK::kNull ? Value()
                                              : Value::Str(e.s);
      break;
  }
  out->is_const = is_const;
  out->pv = std::move(pv);
  if (fmt) {
    out->fmt = std::move(*fmt);
    out->use_fmt = true;
  }
  if (is_const && spec.fixup) {
    Status st = spec.fixup(out->constant, out->fixed);
    if (!st.ok()) return fail(st.message());
    out->has_fixed = true;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Program>> CompileProgram(const cfg::Script& script, const Registry& reg) {
  Compiler c(reg);
  return c.Run(script);
}

}  // namespace sipcapd::script
