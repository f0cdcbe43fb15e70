// The cfg AST: what the parser produces from a sipcapd / OpenSIPS cfg file.
// Pure data, no semantics: names are not resolved here (core/script's
// Engine::Compile does that). Top-level items are kept in source order
// (include_file'd files spliced in place). Nodes are shared_ptr<const ...>
// so a Script is cheap to copy and immutable once built.
// Thread-safety: plain values; safe to read from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/script/value.h"

namespace sipcapd::cfg {

struct Loc {
  std::string file;
  int line = 0;
  int col = 0;
  std::string ToString() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(col);
  }
};

// One transformation of a PV: `{s.select,1,@}` -> name "s.select",
// params_raw "1,@" (split by the transformation itself, which knows how many
// parameters it takes, so a ',' separator survives).
struct TransformRef {
  std::string name;
  std::string params_raw;
  bool has_params = false;
};

// A pseudo-variable reference: `$ru`, `$var(x)`, `$avp(x)[2]`,
// `$(var(x){s.int}{s.len})`.
struct PvRef {
  std::string name;   // "var", "ru", "hep_net"
  std::string inner;  // "x" of $var(x)
  bool has_inner = false;
  bool has_index = false;
  int index = 0;
  std::vector<TransformRef> transforms;
  std::string text;  // as written
};

struct Expr;
struct Stmt;
using ExprPtr = std::shared_ptr<const Expr>;
using StmtPtr = std::shared_ptr<const Stmt>;
using StmtList = std::vector<StmtPtr>;

struct Expr {
  enum class Kind {
    kInt,     // i
    kStr,     // s (escapes resolved)
    kNull,    // $null
    kPv,      // pv
    kCall,    // s = function name, args; bare = written without parentheses
    kRoute,   // route(s): runs route s, value = its return code
    kUnary,   // op in {"!", "-"}, args[0]
    kBinary,  // op, args[0] op args[1]
  };
  Kind kind = Kind::kNull;
  Loc loc;
  int64_t i = 0;
  std::string s;
  std::string op;
  PvRef pv;
  bool bare = false;
  std::vector<ExprPtr> args;
};

struct SwitchCase {
  bool is_default = false;
  Value value;  // Int or Str
  Loc loc;
  StmtList body;  // may be empty (fall through)
};

struct Stmt {
  enum class Kind {
    kExpr,    // expr (a function call or route(x)) as a statement
    kIf,      // cond, then_body, else_body
    kWhile,   // cond, then_body
    kSwitch,  // cond, cases
    kBlock,   // then_body
    kAssign,  // pv op("=", ":=", "+=", "-=") expr
    kExit,
    kDrop,
    kBreak,
    kReturn,  // expr may be null
    kAsync,   // expr (a kCall), route_name
  };
  Kind kind = Kind::kBlock;
  Loc loc;
  ExprPtr expr;
  ExprPtr cond;
  PvRef pv;
  Loc pv_loc;
  std::string op;
  StmtList then_body;
  StmtList else_body;
  bool has_else = false;
  std::vector<SwitchCase> cases;
  std::string route_name;
};

struct GlobalParam {
  std::string name;
  Value value;
  std::string raw;
  Loc loc;
};

struct LoadModule {
  std::string path;
  Loc loc;
};

struct ModParam {
  std::string module;
  std::string param;
  Value value;
  Loc loc;
};

struct RouteBlock {
  uint32_t type = 1;  // RouteType (core/msg/msg_context.h)
  std::string name;   // "" for the main route of its type
  int timer_interval = 0;
  std::string event_mode;  // event_route[E_X, sync|async]: "sync"/"async"/""
  StmtList body;
  Loc loc;
};

using Item = std::variant<GlobalParam, LoadModule, ModParam, RouteBlock>;

struct Script {
  std::vector<Item> items;
};

}  // namespace sipcapd::cfg
