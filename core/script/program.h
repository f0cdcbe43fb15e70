// The compiled form of a cfg (internal to the script engine): routes with
// statement / expression trees whose names are resolved (functions copied
// from the Registry, PVs compiled, constant arguments fixed up, constant
// regexes compiled, route references bound). Built once by Compile();
// immutable afterwards and shared read-only by all worker threads.
#pragma once

#include <regex.h>

#include <any>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/cfg/ast.h"
#include "core/module/module_api.h"
#include "core/module/registry.h"
#include "core/script/pv_spec.h"

namespace sipcapd::script {

struct CRoute;

struct CArg {
  ArgType type = ArgType::kStr;
  bool is_const = false;
  Value constant;  // when is_const
  Format fmt;      // non-constant kStr / kRegex / kAny string
  bool use_fmt = false;
  std::shared_ptr<PvSpec> pv;  // kVar, or a PV-valued argument
  bool has_fixed = false;
  std::any fixed;
  std::shared_ptr<std::regex> re;  // constant kRegex
};

struct CCall {
  FunctionExport fn;
  std::vector<CArg> args;
  cfg::Loc loc;
};

// POSIX regex owned by a shared_ptr (regfree on release).
struct PosixRegex {
  regex_t re;
  bool ok = false;
  ~PosixRegex() {
    if (ok) regfree(&re);
  }
};

struct CExpr {
  cfg::Expr::Kind kind = cfg::Expr::Kind::kNull;
  cfg::Loc loc;
  Value constant;                 // kInt / kStr
  std::shared_ptr<PvSpec> pv;     // kPv
  std::unique_ptr<CCall> call;    // kCall
  const CRoute* route = nullptr;  // kRoute
  std::string op;                 // kUnary / kBinary
  std::vector<std::unique_ptr<CExpr>> kids;
  std::shared_ptr<PosixRegex> re;  // =~ / !~ with a constant right side
};

struct CStmt;
using CStmtList = std::vector<std::unique_ptr<CStmt>>;

struct CStmt {
  cfg::Stmt::Kind kind = cfg::Stmt::Kind::kBlock;
  cfg::Loc loc;
  std::unique_ptr<CExpr> expr;  // kExpr, kAssign value, kReturn value, kIf/kWhile/kSwitch cond
  std::shared_ptr<PvSpec> pv;   // kAssign target
  std::string op;               // kAssign
  CStmtList body;               // then / loop / block / switch (flattened)
  CStmtList else_body;
  // kSwitch: case labels as (value, index into body); default_index or -1.
  std::vector<std::pair<Value, size_t>> cases;
  long default_index = -1;
  std::unique_ptr<CCall> call;  // kAsync
  const CRoute* resume = nullptr;
};

struct CRoute {
  uint32_t type = kRequestRoute;
  std::string name;
  int timer_interval = 0;
  cfg::Loc loc;
  CStmtList body;
};

struct Program {
  std::vector<std::unique_ptr<CRoute>> routes;  // source order
  std::map<std::pair<uint32_t, std::string>, const CRoute*> index;

  const CRoute* Find(uint32_t type, std::string_view name) const {
    auto it = index.find({type, std::string(name)});
    return it == index.end() ? nullptr : it->second;
  }
};

// Compiles a parsed script. Every error is reported as "file:line:col: msg",
// joined with '\n'.
Result<std::unique_ptr<Program>> CompileProgram(const cfg::Script& script, const Registry& reg);

}  // namespace sipcapd::script
