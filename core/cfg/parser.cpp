#include "core/cfg/parser.h"

#include <fstream>
#include <sstream>

#include "core/cfg/lexer.h"
#include "core/msg/msg_context.h"

namespace sipcapd::cfg {
namespace {

constexpr int kMaxNesting = 100;
constexpr int kMaxIncludeDepth = 16;

using TK = Token::Kind;

struct RouteKeyword {
  const char* word;
  uint32_t type;
};
constexpr RouteKeyword kRouteKeywords[] = {
    {"route", kRequestRoute},         {"request_route", kRequestRoute},
    {"onreply_route", kOnReplyRoute}, {"failure_route", kFailureRoute},
    {"branch_route", kBranchRoute},   {"local_route", kLocalRoute},
    {"startup_route", kStartupRoute}, {"timer_route", kTimerRoute},
    {"error_route", kErrorRoute},     {"event_route", kEventRoute},
};

std::string DirOf(const std::string& path) {
  size_t s = path.rfind('/');
  return s == std::string::npos ? std::string() : path.substr(0, s + 1);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Parser {
 public:
  Parser(std::string_view text, std::string file, int include_depth)
      : lex_(text, file), file_(std::move(file)), include_depth_(include_depth) {
    Advance();
  }

  Status ParseInto(Script* out);

 private:
  // Error handling: the first error is kept; parsing stops.
  bool Fail(const Loc& loc, const std::string& msg) {
    if (error_.empty()) error_ = loc.ToString() + ": " + msg;
    return false;
  }
  bool Failed() const { return !error_.empty(); }
  void Advance() {
    cur_ = lex_.Next();
    if (cur_.kind == TK::kError) Fail(cur_.loc, cur_.text);
  }
  bool IsOp(const char* op) const { return cur_.kind == TK::kOp && cur_.text == op; }
  bool IsIdent(const char* w) const { return cur_.kind == TK::kIdent && cur_.text == w; }
  bool Expect(const char* op) {
    if (Failed()) return false;
    if (!IsOp(op)) return Fail(cur_.loc, std::string("expected '") + op + "'" + Near());
    Advance();
    return !Failed();
  }
  std::string Near() const {
    switch (cur_.kind) {
      case TK::kEof: return " at end of input";
      case TK::kStr: return " before string \"" + cur_.text.substr(0, 30) + "\"";
      case TK::kInt: return " before " + std::to_string(cur_.num);
      default: return " before '" + cur_.text.substr(0, 30) + "'";
    }
  }

  bool ParseTopItem(Script* out);
  bool ParseRouteBlock(uint32_t type, Script* out);
  bool ParseModParam(Script* out);
  bool ParseInclude(Script* out);
  bool ParseBlockBody(StmtList* body);
  StmtPtr ParseStatement();
  bool ParseStatementInto(StmtList* list);
  bool EndSimpleStatement();
  bool ParseCallArgs(Expr* call);
  bool ParseRouteName(std::string* name, const char* what);

  ExprPtr ParseExpr();
  ExprPtr ParseBinary(int level);
  ExprPtr ParseUnary();
  ExprPtr ParsePrimary();

  Lexer lex_;
  std::string file_;
  int include_depth_;
  Token cur_;
  std::string error_;
  int depth_ = 0;
};

struct DepthGuard {
  explicit DepthGuard(int* d) : d_(d) { ++*d_; }
  ~DepthGuard() { --*d_; }
  int* d_;
};

Status Parser::ParseInto(Script* out) {
  while (!Failed() && cur_.kind != TK::kEof) {
    if (IsOp(";")) {
      Advance();
      continue;
    }
    ParseTopItem(out);
  }
  if (Failed()) return Status::Invalid(error_);
  return Status::Ok();
}

bool Parser::ParseTopItem(Script* out) {
  if (cur_.kind != TK::kIdent)
    return Fail(cur_.loc,
                "expected a global parameter, loadmodule, modparam or route block" + Near());
  Token id = cur_;
  for (const auto& rk : kRouteKeywords) {
    if (id.text == rk.word) {
      Advance();
      return ParseRouteBlock(rk.type, out);
    }
  }
  if (id.text == "loadmodule") {
    Advance();
    if (cur_.kind != TK::kStr) return Fail(cur_.loc, "loadmodule expects a quoted module path");
    out->items.emplace_back(LoadModule{cur_.text, id.loc});
    Advance();
    if (IsOp(";")) Advance();
    return !Failed();
  }
  if (id.text == "modparam") {
    Advance();
    return ParseModParam(out);
  }
  if (id.text == "include_file" || id.text == "import_file") {
    Advance();
    return ParseInclude(out);
  }
  // name = value (rest of the line)
  Token eq = lex_.Peek();
  if (eq.kind != TK::kOp || eq.text != "=")
    return Fail(id.loc,
                "unknown statement '" + id.text + "' at top level (expected 'name = value')");
  lex_.Next();  // '='
  std::string rest = lex_.RestOfLine();
  GlobalParam gp;
  gp.name = id.text;
  gp.loc = id.loc;
  ParseGlobalValue(rest, &gp.value, &gp.raw);
  if (gp.raw.empty() && rest.find_first_of("\"'") == std::string::npos)
    return Fail(id.loc, "missing value for '" + id.text + "'");
  out->items.emplace_back(std::move(gp));
  Advance();
  return !Failed();
}

bool Parser::ParseInclude(Script* out) {
  Loc loc = cur_.loc;
  if (cur_.kind != TK::kStr) return Fail(loc, "include_file expects a quoted file name");
  std::string path = cur_.text;
  Advance();
  if (IsOp(";")) Advance();
  if (Failed()) return false;
  if (include_depth_ >= kMaxIncludeDepth) return Fail(loc, "include_file nested too deep");
  if (path.empty() || path[0] != '/') path = DirOf(file_) + path;
  auto text = ReadWholeFile(path);
  if (!text.ok()) return Fail(loc, text.status().message());
  Parser sub(*text, path, include_depth_ + 1);
  Status st = sub.ParseInto(out);
  if (!st.ok()) {
    error_ = st.message();
    return false;
  }
  return true;
}

bool Parser::ParseModParam(Script* out) {
  ModParam mp;
  mp.loc = cur_.loc;
  if (!Expect("(")) return false;
  if (cur_.kind != TK::kStr) return Fail(cur_.loc, "modparam expects a quoted module name");
  mp.module = cur_.text;
  Advance();
  if (!Expect(",")) return false;
  if (cur_.kind != TK::kStr) return Fail(cur_.loc, "modparam expects a quoted parameter name");
  mp.param = cur_.text;
  Advance();
  if (!Expect(",")) return false;
  bool neg = false;
  if (IsOp("-")) {
    neg = true;
    Advance();
    if (cur_.kind != TK::kInt) return Fail(cur_.loc, "expected a number after '-'");
  }
  if (cur_.kind == TK::kInt) {
    mp.value = Value::Int(neg ? -cur_.num : cur_.num);
  } else if (cur_.kind == TK::kStr) {
    mp.value = Value::Str(cur_.text);
  } else {
    return Fail(cur_.loc, "modparam value must be a number or a quoted string" + Near());
  }
  Advance();
  if (!Expect(")")) return false;
  if (IsOp(";")) Advance();
  out->items.emplace_back(std::move(mp));
  return !Failed();
}

bool Parser::ParseRouteName(std::string* name, const char* what) {
  if (cur_.kind == TK::kIdent || cur_.kind == TK::kStr) {
    *name = cur_.text;
  } else if (cur_.kind == TK::kInt) {
    *name = std::to_string(cur_.num);
  } else {
    return Fail(cur_.loc, std::string("expected a ") + what + " name" + Near());
  }
  if (name->empty()) return Fail(cur_.loc, "empty route name");
  Advance();
  return !Failed();
}

bool Parser::ParseRouteBlock(uint32_t type, Script* out) {
  RouteBlock rb;
  rb.type = type;
  rb.loc = cur_.loc;
  if (IsOp("[")) {
    Advance();
    if (!ParseRouteName(&rb.name, "route")) return false;
    if (type == kTimerRoute) {
      if (!Expect(",")) return false;
      if (cur_.kind != TK::kInt || cur_.num <= 0 || cur_.num > 86400 * 365)
        return Fail(cur_.loc, "timer_route expects a positive interval in seconds");
      rb.timer_interval = static_cast<int>(cur_.num);
      Advance();
    } else if (type == kEventRoute && IsOp(",")) {
      Advance();
      if (cur_.kind != TK::kIdent || (cur_.text != "sync" && cur_.text != "async"))
        return Fail(cur_.loc, "event_route mode must be sync or async");
      rb.event_mode = cur_.text;
      Advance();
    }
    if (!Expect("]")) return false;
  } else if (type == kTimerRoute || type == kEventRoute || type == kFailureRoute ||
             type == kBranchRoute) {
    return Fail(cur_.loc, std::string(RouteTypeName(type)) + " needs a name in [...]");
  }
  if (type == kRequestRoute && rb.name == "0") rb.name.clear();  // route[0] is main
  if (!Expect("{")) return false;
  if (!ParseBlockBody(&rb.body)) return false;
  out->items.emplace_back(std::move(rb));
  return true;
}

// After '{': statements up to and including the closing '}'.
bool Parser::ParseBlockBody(StmtList* body) {
  while (!Failed() && !IsOp("}")) {
    if (cur_.kind == TK::kEof) return Fail(cur_.loc, "missing '}'");
    if (!ParseStatementInto(body)) return false;
  }
  return Expect("}");
}

bool Parser::ParseStatementInto(StmtList* list) {
  if (IsOp(";")) {
    Advance();
    return !Failed();
  }
  StmtPtr s = ParseStatement();
  if (!s) return false;
  list->push_back(std::move(s));
  return true;
}

bool Parser::EndSimpleStatement() {
  if (Failed()) return false;
  if (IsOp(";")) {
    Advance();
    return !Failed();
  }
  if (IsOp("}")) return true;
  return Fail(cur_.loc, "expected ';'" + Near());
}

StmtPtr Parser::ParseStatement() {
  DepthGuard g(&depth_);
  if (depth_ > kMaxNesting) {
    Fail(cur_.loc, "statements nested too deep");
    return nullptr;
  }
  auto st = std::make_shared<Stmt>();
  st->loc = cur_.loc;
  if (IsOp("{")) {
    Advance();
    st->kind = Stmt::Kind::kBlock;
    if (!ParseBlockBody(&st->then_body)) return nullptr;
    return st;
  }
  if (cur_.kind == TK::kPv) {
    if (cur_.pv.name == "null" && !cur_.pv.has_inner) {
      Fail(cur_.loc, "cannot assign to $null");
      return nullptr;
    }
    st->kind = Stmt::Kind::kAssign;
    st->pv = cur_.pv;
    st->pv_loc = cur_.loc;
    Advance();
    if (cur_.kind != TK::kOp ||
        (cur_.text != "=" && cur_.text != ":=" && cur_.text != "+=" && cur_.text != "-=")) {
      Fail(cur_.loc, "expected an assignment operator (= := += -=)" + Near());
      return nullptr;
    }
    st->op = cur_.text;
    Advance();
    st->expr = ParseExpr();
    if (!st->expr || !EndSimpleStatement()) return nullptr;
    return st;
  }
  if (cur_.kind != TK::kIdent) {
    Fail(cur_.loc, "expected a statement" + Near());
    return nullptr;
  }
  const std::string w = cur_.text;
  if (w == "if" || w == "while") {
    st->kind = w == "if" ? Stmt::Kind::kIf : Stmt::Kind::kWhile;
    Advance();
    if (!Expect("(")) return nullptr;
    st->cond = ParseExpr();
    if (!st->cond || !Expect(")")) return nullptr;
    if (!ParseStatementInto(&st->then_body)) return nullptr;
    if (st->kind == Stmt::Kind::kIf && IsIdent("else")) {
      Advance();
      st->has_else = true;
      if (!ParseStatementInto(&st->else_body)) return nullptr;
    }
    return st;
  }
  if (w == "switch") {
    st->kind = Stmt::Kind::kSwitch;
    Advance();
    if (!Expect("(")) return nullptr;
    st->cond = ParseExpr();
    if (!st->cond || !Expect(")") || !Expect("{")) return nullptr;
    while (!Failed() && !IsOp("}")) {
      SwitchCase c;
      c.loc = cur_.loc;
      if (IsIdent("default")) {
        c.is_default = true;
        Advance();
      } else if (IsIdent("case")) {
        Advance();
        bool neg = false;
        if (IsOp("-")) {
          neg = true;
          Advance();
        }
        if (cur_.kind == TK::kInt) {
          c.value = Value::Int(neg ? -cur_.num : cur_.num);
        } else if (cur_.kind == TK::kStr && !neg) {
          c.value = Value::Str(cur_.text);
        } else {
          Fail(cur_.loc, "case expects a number or a quoted string" + Near());
          return nullptr;
        }
        Advance();
      } else {
        Fail(cur_.loc, "expected 'case' or 'default'" + Near());
        return nullptr;
      }
      if (!Expect(":")) return nullptr;
      while (!Failed() && !IsOp("}") && !IsIdent("case") && !IsIdent("default")) {
        if (cur_.kind == TK::kEof) {
          Fail(cur_.loc, "missing '}'");
          return nullptr;
        }
        if (!ParseStatementInto(&c.body)) return nullptr;
      }
      st->cases.push_back(std::move(c));
    }
    if (!Expect("}")) return nullptr;
    return st;
  }
  if (w == "exit" || w == "drop" || w == "break") {
    st->kind = w == "exit"   ? Stmt::Kind::kExit
               : w == "drop" ? Stmt::Kind::kDrop
                             : Stmt::Kind::kBreak;
    Advance();
    if (IsOp("(")) {
      Advance();
      if (!Expect(")")) return nullptr;
    }
    if (!EndSimpleStatement()) return nullptr;
    return st;
  }
  if (w == "return") {
    st->kind = Stmt::Kind::kReturn;
    Advance();
    if (!IsOp(";") && !IsOp("}")) {
      st->expr = ParseExpr();
      if (!st->expr) return nullptr;
    }
    if (!EndSimpleStatement()) return nullptr;
    return st;
  }
  if (w == "async") {
    st->kind = Stmt::Kind::kAsync;
    Advance();
    if (!Expect("(")) return nullptr;
    if (cur_.kind != TK::kIdent) {
      Fail(cur_.loc, "async expects a function call" + Near());
      return nullptr;
    }
    auto call = std::make_shared<Expr>();
    call->kind = Expr::Kind::kCall;
    call->loc = cur_.loc;
    call->s = cur_.text;
    Advance();
    if (IsOp("(")) {
      if (!ParseCallArgs(call.get())) return nullptr;
    } else {
      call->bare = true;
    }
    st->expr = call;
    if (!Expect(",")) return nullptr;
    if (!ParseRouteName(&st->route_name, "resume route")) return nullptr;
    if (!Expect(")") || !EndSimpleStatement()) return nullptr;
    return st;
  }
  // A function call or route(x) as a statement.
  st->kind = Stmt::Kind::kExpr;
  st->expr = ParsePrimary();
  if (!st->expr || !EndSimpleStatement()) return nullptr;
  return st;
}

// At '(': parses "(a, b, ...)" into call->args. A bare identifier argument
// is a string (route names, flag names).
bool Parser::ParseCallArgs(Expr* call) {
  if (!Expect("(")) return false;
  if (IsOp(")")) {
    Advance();
    return !Failed();
  }
  while (true) {
    if (IsOp(",")) {  // empty argument "f(, x)": null (OpenSIPS 2.x allows it)
      auto n = std::make_shared<Expr>();
      n->kind = Expr::Kind::kNull;
      n->loc = cur_.loc;
      call->args.push_back(std::move(n));
      Advance();
      continue;
    }
    ExprPtr a = ParseExpr();
    if (!a) return false;
    if (a->kind == Expr::Kind::kCall && a->bare) {
      auto s = std::make_shared<Expr>();
      s->kind = Expr::Kind::kStr;
      s->loc = a->loc;
      s->s = a->s;
      s->bare = true;
      a = s;
    }
    call->args.push_back(std::move(a));
    if (IsOp(",")) {
      Advance();
      continue;
    }
    return Expect(")");
  }
}

ExprPtr Parser::ParseExpr() {
  DepthGuard g(&depth_);
  if (depth_ > kMaxNesting) {
    Fail(cur_.loc, "expression nested too deep");
    return nullptr;
  }
  return ParseBinary(0);
}

// Binary operator levels, lowest precedence first (C order).
const std::vector<std::vector<std::string>>& Levels() {
  static const std::vector<std::vector<std::string>> k = {
      {"||"},     {"&&"},         {"|"}, {"&"}, {"==", "!=", "=~", "!~"}, {"<", ">", "<=", ">="},
      {"+", "-"}, {"*", "/", "%"}};
  return k;
}

ExprPtr Parser::ParseBinary(int level) {
  if (level >= static_cast<int>(Levels().size())) return ParseUnary();
  ExprPtr lhs = ParseBinary(level + 1);
  while (lhs && cur_.kind == TK::kOp) {
    bool match = false;
    for (const auto& op : Levels()[level]) match = match || cur_.text == op;
    if (!match) break;
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kBinary;
    e->loc = cur_.loc;
    e->op = cur_.text;
    Advance();
    ExprPtr rhs = ParseBinary(level + 1);
    if (!rhs) return nullptr;
    e->args = {lhs, rhs};
    lhs = e;
  }
  return Failed() ? nullptr : lhs;
}

ExprPtr Parser::ParseUnary() {
  if (IsOp("!") || IsOp("-")) {
    DepthGuard g(&depth_);
    if (depth_ > kMaxNesting) {
      Fail(cur_.loc, "expression nested too deep");
      return nullptr;
    }
    auto e = std::make_shared<Expr>();
    e->loc = cur_.loc;
    std::string op = cur_.text;
    Advance();
    if (Failed()) return nullptr;
    if (op == "-" && cur_.kind == TK::kInt) {
      e->kind = Expr::Kind::kInt;
      e->i = -cur_.num;
      Advance();
      return Failed() ? nullptr : e;
    }
    ExprPtr sub = ParseUnary();
    if (!sub) return nullptr;
    e->kind = Expr::Kind::kUnary;
    e->op = op;
    e->args = {sub};
    return e;
  }
  return ParsePrimary();
}

ExprPtr Parser::ParsePrimary() {
  if (Failed()) return nullptr;
  auto e = std::make_shared<Expr>();
  e->loc = cur_.loc;
  switch (cur_.kind) {
    case TK::kInt:
      e->kind = Expr::Kind::kInt;
      e->i = cur_.num;
      Advance();
      return Failed() ? nullptr : e;
    case TK::kStr:
      e->kind = Expr::Kind::kStr;
      e->s = cur_.text;
      Advance();
      return Failed() ? nullptr : e;
    case TK::kPv:
      if (cur_.pv.name == "null" && !cur_.pv.has_inner && cur_.pv.transforms.empty()) {
        e->kind = Expr::Kind::kNull;
      } else {
        e->kind = Expr::Kind::kPv;
        e->pv = cur_.pv;
      }
      Advance();
      return Failed() ? nullptr : e;
    case TK::kIdent: {
      e->s = cur_.text;
      Advance();
      if (Failed()) return nullptr;
      if (e->s == "route") {
        e->kind = Expr::Kind::kRoute;
        if (!Expect("(")) return nullptr;
        if (!ParseRouteName(&e->s, "route")) return nullptr;
        if (!Expect(")")) return nullptr;
        return e;
      }
      e->kind = Expr::Kind::kCall;
      if (IsOp("(")) {
        if (!ParseCallArgs(e.get())) return nullptr;
      } else {
        e->bare = true;
      }
      return e;
    }
    case TK::kOp:
      if (IsOp("(")) {
        Advance();
        ExprPtr inner = ParseExpr();
        if (!inner || !Expect(")")) return nullptr;
        return inner;
      }
      break;
    default: break;
  }
  Fail(cur_.loc, "expected an expression" + Near());
  return nullptr;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

void ParseGlobalValue(std::string_view text, Value* value, std::string* raw) {
  // Cut a comment outside quotes: '#', or '//' at start / after a blank.
  char quote = 0;
  size_t cut = text.size();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/' &&
                            (i == 0 || std::isspace(static_cast<unsigned char>(text[i - 1]))))) {
      cut = i;
      break;
    }
  }
  std::string r = Trim(text.substr(0, cut));
  while (!r.empty() && r.back() == ';') r = Trim(std::string_view(r).substr(0, r.size() - 1));
  // One quoted string as the whole value.
  if (r.size() >= 2 && (r[0] == '"' || r[0] == '\'') && r.back() == r[0]) {
    Lexer lx(r, "");
    Token t = lx.Next();
    if (t.kind == TK::kStr && lx.Next().kind == TK::kEof) {
      *raw = t.text;
      *value = Value::Str(t.text);
      return;
    }
  }
  *raw = r;
  std::string lower;
  for (char c : r) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "yes" || lower == "on" || lower == "true") {
    *value = Value::Int(1);
  } else if (lower == "no" || lower == "off" || lower == "false") {
    *value = Value::Int(0);
  } else if (auto n = Value::Str(r).AsInt(); n && r.size() < 19) {
    *value = Value::Int(*n);
  } else {
    *value = Value::Str(r);
  }
}

Result<Script> ParseString(std::string_view text, const std::string& filename) {
  Script s;
  Parser p(text, filename, 0);
  Status st = p.ParseInto(&s);
  if (!st.ok()) return st;
  return s;
}

Result<Script> ParseFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return Status::NotFound(path + ":0:0: " + text.status().message());
  return ParseString(*text, path);
}

}  // namespace sipcapd::cfg
