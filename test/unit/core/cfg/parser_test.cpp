#include "core/cfg/parser.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/msg/msg_context.h"

namespace sipcapd::cfg {
namespace {

std::string DataDir() {
  const char* src = std::getenv("SIPCAPD_SOURCE_DIR");
  std::string base =
      src ? src : std::string(__FILE__).substr(0, std::string(__FILE__).find("/test/unit/"));
  return base + "/test/data/cfg/";
}

std::string ParseErr(const std::string& text) {
  auto r = ParseString(text, "bad.cfg");
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.status().message();
}

TEST(Parser, TopLevelItemsInOrder) {
  auto r = ParseString(R"cfg(
log_level=3   # comment
listen=udp:127.0.0.1:5060 use_children 2 ;
listen=hep_udp:[::1]:9060
debug_mode = yes
db_default_url="mysql://u:p@h/db" // trailing
alias = "quoted value"
mpath="/usr/lib/x/"
loadmodule "proto_hep.so"
modparam("proto_hep", "hep_capture_id", -5)
modparam("siptrace", "trace_id", "[tid]uri=hep:1.2.3.4:9060")
route { exit; }
route[2] { exit; }
route["quoted"] { exit; }
onreply_route[rp] { exit; }
failure_route[f] { exit; }
branch_route[b] { exit; }
local_route { exit; }
startup_route { exit; }
error_route { exit; }
timer_route[t, 60] { exit; }
event_route[E_X, sync] { exit; }
)cfg",
                       "a.cfg");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& it = r->items;
  ASSERT_EQ(it.size(), 21u);
  auto gp = [&](size_t i) { return std::get<GlobalParam>(it[i]); };
  EXPECT_EQ(gp(0).name, "log_level");
  EXPECT_EQ(gp(0).value, Value::Int(3));
  EXPECT_EQ(gp(0).loc.line, 2);
  EXPECT_EQ(gp(1).raw, "udp:127.0.0.1:5060 use_children 2");
  EXPECT_EQ(gp(2).raw, "hep_udp:[::1]:9060");
  EXPECT_EQ(gp(3).value, Value::Int(1));
  EXPECT_EQ(gp(4).raw, "mysql://u:p@h/db");
  EXPECT_EQ(gp(4).value, Value::Str("mysql://u:p@h/db"));
  EXPECT_EQ(gp(5).raw, "quoted value");
  EXPECT_EQ(std::get<LoadModule>(it[7]).path, "proto_hep.so");
  auto mp = std::get<ModParam>(it[8]);
  EXPECT_EQ(mp.module, "proto_hep");
  EXPECT_EQ(mp.param, "hep_capture_id");
  EXPECT_EQ(mp.value, Value::Int(-5));
  EXPECT_EQ(std::get<ModParam>(it[9]).value, Value::Str("[tid]uri=hep:1.2.3.4:9060"));
  auto rb = [&](size_t i) { return std::get<RouteBlock>(it[i]); };
  EXPECT_EQ(rb(10).type, kRequestRoute);
  EXPECT_EQ(rb(10).name, "");
  EXPECT_EQ(rb(11).name, "2");
  EXPECT_EQ(rb(12).name, "quoted");
  EXPECT_EQ(rb(13).type, kOnReplyRoute);
  EXPECT_EQ(rb(14).type, kFailureRoute);
  EXPECT_EQ(rb(15).type, kBranchRoute);
  EXPECT_EQ(rb(16).type, kLocalRoute);
  EXPECT_EQ(rb(17).type, kStartupRoute);
  EXPECT_EQ(rb(18).type, kErrorRoute);
  EXPECT_EQ(rb(19).type, kTimerRoute);
  EXPECT_EQ(rb(19).timer_interval, 60);
  EXPECT_EQ(rb(20).type, kEventRoute);
  EXPECT_EQ(rb(20).name, "E_X");
  EXPECT_EQ(rb(20).event_mode, "sync");
}

TEST(Parser, StatementsAndPrecedence) {
  auto r = ParseString(R"cfg(route {
  if (a() || b() && !c()) { d(); } else if ($var(x) == 1 + 2 * 3) e; else { }
  while ($var(i) < 3) $var(i) += 1;
  switch ($rm) { case "A": case -2: f(); break; default: g(); }
  $avp(x) := "s"; $var(y) -= 2;
  return(-1); return; return 3;
  async(h("a", 1), resume);
  route(other); drop; exit;
})cfg",
                       "p.cfg");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& body = std::get<RouteBlock>(r->items[0]).body;
  ASSERT_EQ(body.size(), 12u);
  const Expr& cond = *body[0]->cond;
  EXPECT_EQ(cond.op, "||");  // || binds loosest
  EXPECT_EQ(cond.args[1]->op, "&&");
  EXPECT_EQ(cond.args[1]->args[1]->op, "!");
  const Expr& eq = *body[0]->else_body[0]->cond;
  EXPECT_EQ(eq.op, "==");
  EXPECT_EQ(eq.args[1]->op, "+");
  EXPECT_EQ(eq.args[1]->args[1]->op, "*");
  EXPECT_EQ(body[2]->cases.size(), 3u);
  EXPECT_EQ(body[2]->cases[1].value, Value::Int(-2));
  EXPECT_TRUE(body[2]->cases[0].body.empty());
  EXPECT_EQ(body[3]->op, ":=");
  EXPECT_EQ(body[5]->expr->i, -1);
  EXPECT_EQ(body[6]->expr, nullptr);
  EXPECT_EQ(body[8]->kind, Stmt::Kind::kAsync);
  EXPECT_EQ(body[8]->route_name, "resume");
  EXPECT_EQ(body[8]->expr->args.size(), 2u);
  EXPECT_EQ(body[9]->expr->kind, Expr::Kind::kRoute);
}

TEST(Parser, SyntaxErrorsHavePositions) {
  EXPECT_EQ(ParseErr("route {\n  f()\n  g();\n}"), "bad.cfg:3:3: expected ';' before 'g'");
  EXPECT_EQ(ParseErr("route {\n  if $var(x) f();\n}"),
            "bad.cfg:2:6: expected '(' before '$var(x)'");
  EXPECT_EQ(ParseErr("route { f(); "), "bad.cfg:1:14: missing '}'");
  EXPECT_EQ(ParseErr("modparam(\"a\", \"b\", c)"),
            "bad.cfg:1:20: modparam value must be a number or a quoted string before 'c'");
  EXPECT_EQ(ParseErr("loadmodule x"), "bad.cfg:1:12: loadmodule expects a quoted module path");
  EXPECT_EQ(ParseErr("foo bar"),
            "bad.cfg:1:1: unknown statement 'foo' at top level (expected 'name = value')");
  EXPECT_EQ(ParseErr("timer_route[t] { }"), "bad.cfg:1:14: expected ',' before ']'");
  EXPECT_EQ(ParseErr("route { $var(x) ! 3; }"),
            "bad.cfg:1:17: expected an assignment operator (= := += -=) before '!'");
  EXPECT_EQ(ParseErr("route { xlog(\"open); }"), "bad.cfg:1:14: unterminated string");
  EXPECT_EQ(ParseErr("x =\nroute{}"), "bad.cfg:1:1: missing value for 'x'");
  EXPECT_EQ(ParseErr("route { $null = 1; }"), "bad.cfg:1:9: cannot assign to $null");
  EXPECT_EQ(ParseErr("failure_route { }"), "bad.cfg:1:15: failure_route needs a name in [...]");
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep =
      "route { $var(x) = " + std::string(5000, '(') + "1" + std::string(5000, ')') + "; }";
  EXPECT_NE(ParseErr(deep).find("nested too deep"), std::string::npos);
  std::string blocks = "route { " + std::string(5000, '{') + std::string(5000, '}') + " }";
  EXPECT_NE(ParseErr(blocks).find("nested too deep"), std::string::npos);
  std::string nots = "route { if (" + std::string(5000, '!') + "f()) exit; }";
  EXPECT_NE(ParseErr(nots).find("nested too deep"), std::string::npos);
}

TEST(Parser, ReferenceScriptsParse) {
  for (const char* f : {"tracing-node.cfg", "capture-node.cfg", "hep-switch.cfg"}) {
    auto r = ParseFile(DataDir() + f);
    ASSERT_TRUE(r.ok()) << f << ": " << r.status().message();
    EXPECT_GT(r->items.size(), 3u) << f;
  }
}

TEST(Parser, IncludeFileSplicesInPlace) {
  auto r = ParseFile(DataDir() + "include-main.cfg");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->items.size(), 4u);
  EXPECT_EQ(std::get<GlobalParam>(r->items[1]).name, "children");
  EXPECT_EQ(std::get<GlobalParam>(r->items[1]).loc.file, DataDir() + "include-part.cfg");
  EXPECT_EQ(std::get<RouteBlock>(r->items[2]).name, "from_include");
  auto bad = ParseString("include_file \"no-such-file.cfg\"", DataDir() + "x.cfg");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind(DataDir() + "x.cfg:1:14: cannot open", 0), 0u)
      << bad.status().message();
}

TEST(Parser, GlobalValueForms) {
  Value v;
  std::string raw;
  ParseGlobalValue(" off ; # x", &v, &raw);
  EXPECT_EQ(v, Value::Int(0));
  ParseGlobalValue(" -12", &v, &raw);
  EXPECT_EQ(v, Value::Int(-12));
  ParseGlobalValue(" 'a#b' # c", &v, &raw);
  EXPECT_EQ(raw, "a#b");
  ParseGlobalValue(" udp:1.2.3.4:5060", &v, &raw);
  EXPECT_EQ(v, Value::Str("udp:1.2.3.4:5060"));
}

}  // namespace
}  // namespace sipcapd::cfg
